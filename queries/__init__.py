"""The query layer: all SQL of the dashboard. Importing it registers every figure."""
from queries import clues, coverage, payments, petitions, rectification  # noqa: F401  (registration)
from queries import payment_cases  # noqa: F401  (registers the payment lists)
from queries.figures import METRICS  # noqa: F401
from queries.runner import compute, compute_with_change  # noqa: F401
