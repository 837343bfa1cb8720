"""The cheap list of rule codes the CLI validates configuration against."""

from lambdalint.checks import all_rules
from lambdalint.knowledge.codes import RULE_CODES


def test_the_cheap_code_list_is_every_rule_code():
    assert RULE_CODES == tuple(all_rules())
