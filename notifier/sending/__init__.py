"""A text's way out: its lifecycle, deciding, dispatch to RQ, pacing, delivery, providers."""
