class Handler:
    def authorize(self, event):
        return (event.get("headers") or {}).get("x-api-key")

    def __call__(self, event, context):
        api_key = self.authorize(event)
        if not api_key:
            return {"statusCode": 403}
        return {"statusCode": 200, "body": f"hello {api_key[:4]}***"}


handler = Handler()
