"""Reading inbound replies: whether each one asks us to stop texting, and why.

`read(body)` returns a `Reading`: the verdict (`opt_out`, `not_opt_out` or `unclear`), the
rule that decided it, the words that decided it, and the language of those words.
"""

from consent.replies.reader import cleaned_text, read
from consent.replies.reading import Reading, Verdict

__all__ = ["Reading", "Verdict", "cleaned_text", "read"]
