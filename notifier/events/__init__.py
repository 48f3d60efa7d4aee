"""Accepting events: tickets, queue-wide fan-outs, delay notices, peak-hour warnings."""
