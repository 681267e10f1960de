"""Statement writers for the matching benchmark: camt.053 (001.08 and 001.02), MT940 (Dutch and German
field 86), OFX 1.x SGML. Each renders a list of ``Booking`` for one of our accounts."""
