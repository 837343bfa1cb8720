import json
import urllib.request

_geo = {}


def geolocate(ip):
    if (hit := _geo.get(ip)) is not None:
        return hit
    with urllib.request.urlopen(f"https://ipinfo.example.com/{ip}/json", timeout=3) as r:
        _geo[ip] = (hit := json.load(r))
    return hit


def handler(event, context):
    ip = event["requestContext"]["http"]["sourceIp"]
    return {"statusCode": 200, "body": json.dumps(geolocate(ip))}
