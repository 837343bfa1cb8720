"""The deploy stage: deployment descriptors (SAM/CloudFormation, Serverless, Terraform, CDK, Zappa).
Takes the files the walk found; gives the handlers they declare (``Declared``) and notices about them.
Must not read outside the project root nor run the user's code (CDK apps are parsed with the standard library's ast, never imported: cdk.py).
"""
