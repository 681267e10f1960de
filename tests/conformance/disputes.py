"""Corpus files where we believe the manifest's expectation is wrong, with the reason.

Each entry: corpus path -> why our reading differs. The conformance test expects these to differ
(strict xfail), so a change in either the manifest or our parser shows up.
"""

_SNIPPET = (
    "a test snippet, not a statement: SWIFT MT940 fields :20: and :25: are mandatory and this file has neither, "
    "so there is no account to attribute the money to; we refuse it with a clear error instead of inventing "
    "an account-less statement"
)
_NO_STATEMENT = (
    "a fragment with no :20:/:25: and no balances (only a :86: or :NS: field); the manifest expects 0 statements, "
    "we refuse the file as containing no statement, which is what a user importing it needs to hear"
)
_IMPOSSIBLE_DATE = (
    "contains a calendar date that does not exist; a bank file with an impossible date is corrupt and is refused "
    "with the line named rather than guessed"
)

DISPUTES: dict[str, str] = {
    # --- MT940 ---
    "mt940/bad/mt940-rs/overly_long_details.sta": (
        "listed as bad because one peer limits ?33 length, but the good file wolph-mt940/overly_long_details.sta "
        "carries the identical :86:; we read both alike"
    ),
    "mt940/bad/wolph-mt940/details_60-63.sta": (
        "listed as bad, but its :61: (170914D233,15NMSC) and :86: ?60-?63 sub-fields are valid SWIFT/DK usage and "
        "appear unchanged in files the manifest expects to parse; we read it"
    ),
    "mt940/betterplace-mt940/amount_formats.txt": _SNIPPET,
    "mt940/wolph-mt940/amount_formats.sta": _SNIPPET,
    "mt940/betterplace-mt940/empty_entry_date.txt": _SNIPPET,
    "mt940/wolph-mt940/empty_entry_date.sta": _SNIPPET,
    "mt940/betterplace-mt940/missing_crlf_at_end.txt": _SNIPPET,
    "mt940/betterplace-mt940/colon_in_descriptor.txt": _NO_STATEMENT,
    "mt940/betterplace-mt940/empty_86.txt": _NO_STATEMENT,
    "mt940/wolph-mt940/empty_86.sta": _NO_STATEMENT,
    "mt940/wolph-mt940/empty_non_swift.sta": _NO_STATEMENT,
    "mt940/cmxl/mt940-headers.txt": _IMPOSSIBLE_DATE + " (value date 362268, balance date 141387)",
    "mt940/cmxl/mt940.txt": _IMPOSSIBLE_DATE + " (021131: 31 November)",
    "mt940/wolph-mt940/transaction_details_wrapped.sta": (
        _IMPOSSIBLE_DATE + " (160230: 30 February; the same bytes are mt940/bad/wolph-mt940/february_30.sta, "
        "which the manifest itself lists as bad)"
    ),
    "mt940/wolph-mt940/wrapped_timestamp.sta": (
        _IMPOSSIBLE_DATE + " (160230: 30 February, as in mt940/bad/wolph-mt940/february_30.sta)"
    ),
    "mt940/wolph-mt940/raphaelm.sta": (
        ":62M:C020315105000,00 has no currency, so the balance cannot be read; the manifest's closing 0.00 is wrong "
        "either way"
    ),
    "mt940/kingsquare-mt940/Rabo_sample.sta": (
        "statement 5 holds two :61: lines of 300.00 each; the manifest's tool merged them into one amount of "
        "1245 (mt940-js also finds two)"
    ),
    "mt940/zilverline-mt940/two_accounts.txt": (
        "a DOS end-of-file byte (0x1A) precedes a :20:; the manifest merges two statements into one, we split at "
        "the :20: as for every other file (the split statement then reconciles: -12.00 + 250.00 = 238.00)"
    ),
    "mt940/kingsquare-mt940/Zetb_sample.sta": (
        "the manifest keeps trailing spaces of ':25:1014365930  ' but strips them for "
        "zilverline-mt940/unspecified_contra_account.txt; we strip padding consistently"
    ),
    # --- OFX ---
    "ofx/asgrim-ofxparser/ofxdata-emptyDateTime.ofx": (
        "the file has no BANKACCTFROM at all; the manifest's '' account and bank id are ofxparse's defaults, we "
        "report no account number (None) with a warning"
    ),
    "ofx/beancount-import/amex.ofx": (
        "a credit-card statement (CCSTMTRS) without BANKID; the manifest calls it a bank statement with bank_id '' "
        "(ofxparse's default), contradicting libofx/ofx-2.1.1-sect-16.5.3.2.ofx where a card statement has none"
    ),
    "ofx/fixofx/creditcard.ofx": "as beancount-import/amex.ofx: a credit-card statement has no BANKID (None, not '')",
    "ofx/oca-bank-statement-import/test_ofx_iban.ofx": (
        "statement 2 is a credit-card statement without BANKID: None, not ''"
    ),
    "ofx/bad/ofxparse/empty_balance.ofx": (
        "listed as bad only because ofxparse's strict mode rejects an empty BALAMT; the good file "
        "asgrim-ofxparser/ofxdata-selfclose.ofx has the same empty BALAMT and is expected to read with no closing "
        "balance; we read both alike (no balance, with a warning)"
    ),
}
