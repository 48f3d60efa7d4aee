"""Customers' replies: reading them, opting out and in, answering, forwarding."""
