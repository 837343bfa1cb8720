from lambdalint.checks import RuleInfo
from lambdalint.diagnostics import WARNING
RULES = (RuleInfo("LAM104", "per-invocation-client", WARNING, "x", default=False, fix="unsafe"),)
def check(ctx):
    return []
