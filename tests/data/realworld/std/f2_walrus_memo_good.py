import json
import urllib.request

_geo = {}
_MAX = 1000


def geolocate(ip):
    if (hit := _geo.get(ip)) is not None:
        return hit
    with urllib.request.urlopen(f"https://ipinfo.example.com/{ip}/json", timeout=3) as r:
        hit = json.load(r)
    if len(_geo) >= _MAX:
        _geo.pop(next(iter(_geo)))
    _geo[ip] = hit
    return hit


def handler(event, context):
    ip = event["requestContext"]["http"]["sourceIp"]
    return {"statusCode": 200, "body": json.dumps(geolocate(ip))}
