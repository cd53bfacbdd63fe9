"""Agreements: proposals, consultation, binding signatures and obligations — the pure domain.

How the parts fit, from the words up:

* ``durations`` and ``regions`` — the float-free forms of Δ and of areas and
  lines that obligations are written in, and the shapes they stand for.
* ``obligations`` — the four rules (``consult_before``, ``notify_before``,
  ``keep_out``, ``consult_simultaneously``) as validated, normalised bodies.
* ``model`` — an agreement's terms, its versions, and the exact bytes a
  plenipotentiary signs on their own side (:func:`sign_version`).
* ``kinds`` — the entry kinds, registered in the record's kind registry when
  this package is imported.
* ``status`` — binding status, a pure function of the record, never a flag.
* ``consultation`` — who was consulted on what, when, and who not yet.
* ``contracts`` — what the checker reads from arrangements and operations
  that other capabilities write.
* ``compliance`` — the rules evaluated over those facts, giving findings.

Nothing here does I/O; :mod:`liaison.services.agreements` gathers entries from
the record, calls these, and appends what they decide.
"""

from liaison.agreements import kinds
from liaison.agreements.compliance import ComplianceReport, Finding, evaluate
from liaison.agreements.consultation import ConsultationLog, consultation_log
from liaison.agreements.contracts import OPERATION_KINDS
from liaison.agreements.model import Terms, sign_version, version_bytes
from liaison.agreements.status import REASONS, BindingStatus, binding_status

__all__ = [
    "OPERATION_KINDS",
    "REASONS",
    "BindingStatus",
    "ComplianceReport",
    "ConsultationLog",
    "Finding",
    "Terms",
    "binding_status",
    "consultation_log",
    "evaluate",
    "kinds",
    "sign_version",
    "version_bytes",
]
