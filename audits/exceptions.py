"""Errors of the audit trail."""

from aftersales.exceptions import ApplicationError


class AuditChainBroken(ApplicationError):
    """The chain's head disagrees with the latest signed checkpoint (a truncated or
    rewritten tail, a forged checkpoint): the sealer refuses to extend it."""

    code = "audit_chain_broken"
