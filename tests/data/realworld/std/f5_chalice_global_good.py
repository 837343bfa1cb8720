from chalice import Chalice

app = Chalice(app_name="profiles")
DEFAULT_LOCALE = "en"


@app.route("/greeting")
def greeting():
    params = app.current_request.query_params or {}
    locale = params.get("lang", DEFAULT_LOCALE)
    return {"greeting": {"en": "Hello", "de": "Hallo", "fr": "Bonjour"}.get(locale, "Hello")}
