class Handler:
    def __init__(self):
        self.api_key = None

    def authorize(self, event):
        key = (event.get("headers") or {}).get("x-api-key")
        if key:
            self.api_key = key
        return self.api_key is not None

    def __call__(self, event, context):
        if not self.authorize(event):
            return {"statusCode": 403}
        return {"statusCode": 200, "body": f"hello {self.api_key[:4]}***"}


handler = Handler()
