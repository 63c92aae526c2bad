"""Decision rules evaluated on a report's answers (e.g. the 2024 screening booklet:
refer to the PCO when a 0–3-year-old has 2 unusual signs in at least 2 domains)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from protocols.models import DecisionRule, ProtocolItem, ProtocolVersion, in_age_band

YES = "oui"
NO = "non"
NOT_EVALUATED = "non_evalue"


@dataclass(frozen=True)
class RuleOutcome:
    rule: DecisionRule
    triggered: bool
    # The items behind the outcome, so the clinician sees why.
    evidence: list[ProtocolItem] = field(default_factory=list)
    domains: frozenset[str] = frozenset()

    @property
    def message(self) -> str:
        return self.rule.message


def evaluate_rules(
    version: ProtocolVersion, answers: Mapping[str, str], age_months: int | None
) -> list[RuleOutcome]:
    """Evaluate every rule of ``version`` for a child of ``age_months`` (corrected age
    where it applies), given answers keyed by item key ("oui", "non", "non_evalue"...).

    Only milestones of the child's age band count as signs; unanswered and not-evaluated
    items count as nothing (the booklet asks the clinician to comment them instead).
    """
    items = list(ProtocolItem.objects.filter(section__version=version).select_related("section"))
    outcomes = []
    for rule in version.rules.order_by("position"):
        if rule.kind == DecisionRule.Kind.ANY_REGRESSION:
            evidence = [
                item
                for item in items
                if item.role == ProtocolItem.Role.REGRESSION and answers.get(item.key) == YES
            ]
            outcomes.append(RuleOutcome(rule, bool(evidence), evidence))
            continue
        if not in_age_band(rule.min_age_months, rule.max_age_months, age_months):
            outcomes.append(RuleOutcome(rule, False))
            continue
        signs = [
            item
            for item in items
            if item.role == ProtocolItem.Role.MILESTONE
            and item.applies_at(age_months)
            and answers.get(item.key) == NO
        ]
        domains = frozenset(item.section.key for item in signs)
        triggered = len(signs) >= rule.min_signs and len(domains) >= rule.min_domains
        outcomes.append(RuleOutcome(rule, triggered, signs, domains))
    return outcomes
