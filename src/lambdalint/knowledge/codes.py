"""Every rule code, without importing the rules (a check that the run memo
answers must not pay for loading them). ``tests/test_codes.py`` keeps this
equal to ``lambdalint.checks.all_rules()``."""

RULE_CODES = (
    "LAM000", "LAM001", "LAM002",
    "LAM101", "LAM102", "LAM103", "LAM104",
    "LAM201", "LAM202", "LAM203", "LAM204",
    "LAM301", "LAM302", "LAM303", "LAM304", "LAM305", "LAM306",
    "LAM401", "LAM402",
    "LAM501", "LAM502", "LAM503",
    "LAM601", "LAM602", "LAM603",
)
