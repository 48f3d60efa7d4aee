"""Proof for compliance staff: the consent ledger, audit exports, data subjects, keys."""
