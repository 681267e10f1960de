"""Corpus files where we believe the manifest's expectation is wrong, with the reason.

Each entry: corpus path -> why our reading differs. The conformance test expects these to differ
(strict xfail), so a change in either the manifest or our parser shows up.

``NOT_YET_READ`` lists files the manifest rightly expects to read but that hold bank quirks we do not
read yet; they are expected to fail the same way until the quirk is handled.
"""

_NO_BANK_ID = (
    "a credit-card statement (CCSTMTRS) has no BANKID (the OFX CCACCTFROM aggregate has no BANKID); we "
    "report None, the manifest has '' (ofxparse's default for a missing field)"
)

DISPUTES: dict[str, str] = {
    # --- MT940 ---
    "mt940/kingsquare-mt940/Zetb_sample.sta": (
        "the manifest keeps trailing spaces of ':25:1014365930  ' but strips them for "
        "zilverline-mt940/unspecified_contra_account.txt; we strip padding consistently"
    ),
    # --- OFX ---
    "ofx/asgrim-ofxparser/ofxdata-emptyDateTime.ofx": (
        "the file has no BANKACCTFROM at all; the manifest's '' account and bank id are ofxparse's defaults, we "
        "report no account number (None) with a warning"
    ),
    "ofx/beancount-import/amex.ofx": _NO_BANK_ID,
    "ofx/fixofx/creditcard.ofx": _NO_BANK_ID,
    "ofx/oca-bank-statement-import/test_ofx_iban.ofx": "statement 2: " + _NO_BANK_ID,
}

_FEBRUARY_30 = "value date 30 February (30/360 interest), which German banks write; not read yet"

NOT_YET_READ: dict[str, str] = {
    "mt940/bad/wolph-mt940/february_30.sta": _FEBRUARY_30,
    "mt940/wolph-mt940/transaction_details_wrapped.sta": _FEBRUARY_30,
    "mt940/wolph-mt940/wrapped_timestamp.sta": _FEBRUARY_30,
    "mt940/wolph-mt940/raphaelm.sta": ":62M:C020315105000,00 has no currency; such balances are not read yet",
}
