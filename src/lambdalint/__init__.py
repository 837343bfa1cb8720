"""lambdalint: find module-level state that breaks AWS Lambda handlers on warm invocations."""

__version__ = "0.1.0"
