from chalice import Chalice

app = Chalice(app_name="profiles")
_state = {"locale": "en"}


@app.route("/greeting")
def greeting():
    params = app.current_request.query_params or {}
    if "lang" in params:
        _state["locale"] = params["lang"]
    return {"greeting": {"en": "Hello", "de": "Hallo", "fr": "Bonjour"}.get(_state["locale"], "Hello")}
