"""What the texts say: catalogs (files, not code), composing, segments, wait maths."""
