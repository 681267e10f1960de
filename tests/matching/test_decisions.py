"""Each case of cash application, as a clerk would describe it, decided by the engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.matching import MatchingConfig, Status, reconcile
from gateway.model.statement import BankTxCode, TxStatus
from tests.matching.world import ACNE_IBAN, CUSTOMERS, STRANGER_IBAN, invoice, payment


def decide(txs, invoices, config=None):
    return reconcile(txs, invoices, CUSTOMERS, config or MatchingConfig())


def ids(decision):
    return [(a.invoice_id, a.amount) for a in decision.allocations]


def test_structured_rf_reference_of_one_open_invoice_matches():
    invs = [invoice("INV-901", "1190.00", reference="RF18539007547034"), invoice("INV-902", "1190.00")]
    [d] = decide([payment("1190.00", ref="RF18 5390 0754 7034", iban=None, name=None)], invs)
    assert d.status is Status.MATCHED
    assert ids(d) == [("INV-901", Decimal("1190.00"))]
    assert "structured reference" in d.explanation and "score" in d.explanation


def test_belgian_ogm_and_dutch_betalingskenmerk_in_text_match():
    invs = [
        invoice("F-9010", "80.00", reference="+++090/9337/55493+++"),
        invoice("F-9011", "80.00", reference="5000056789012345"),
    ]
    txs = [
        payment("80.00", text="betaling +++090/9337/55493+++"),
        payment("80.00", text="kenmerk 5000 0567 8901 2345"),
    ]
    d1, d2 = decide(txs, invs)
    assert ids(d1) == [("F-9010", Decimal("80.00"))]
    assert ids(d2) == [("F-9011", Decimal("80.00"))]


def test_invoice_number_with_other_separators_and_without_leading_zeros_matches():
    invs = [invoice("INV-2026-000102", "250.00"), invoice("INV-2026-000103", "250.00")]
    [d] = decide([payment("250.00", text="Rechnung inv2026/102 danke")], invs)
    assert d.status is Status.MATCHED
    assert ids(d) == [("INV-2026-000102", Decimal("250.00"))]


def test_invoice_number_with_a_transposition_matches_when_payer_and_amount_agree():
    invs = [invoice("INV-2026-004711", "318.40"), invoice("INV-2026-009999", "20.00", customer="C-ACNE")]
    [d] = decide([payment("318.40", text="invoice 2026-007411")], invs)
    assert d.status is Status.MATCHED
    assert "typo" in d.explanation


def test_typo_without_payer_evidence_is_only_suggested():
    invs = [invoice("INV-2026-004711", "318.40")]
    [d] = decide(
        [payment("318.40", text="invoice 2026-007411", iban=STRANGER_IBAN, name="Unrelated SARL")], invs
    )
    assert d.status is Status.SUGGESTED
    assert d.suggestions[0].invoice_ids == ("INV-2026-004711",)


def test_several_invoices_in_one_payment():
    invs = [invoice("INV-501", "100.00"), invoice("INV-502", "200.00"), invoice("INV-503", "300.00")]
    [d] = decide([payment("300.00", text="INV-501 INV-502")], invs)
    assert d.status is Status.MATCHED
    assert ids(d) == [("INV-501", Decimal("100.00")), ("INV-502", Decimal("200.00"))]


def test_known_account_and_a_combination_that_fits_uniquely():
    invs = [invoice("INV-901", "120.00"), invoice("INV-902", "75.50"), invoice("INV-903", "310.00")]
    [d] = decide([payment("195.50", text="payment")], invs)
    assert d.status is Status.MATCHED
    assert sorted(a.invoice_id for a in d.allocations) == ["INV-901", "INV-902"]


def test_two_equally_plausible_invoices_are_never_picked_by_coin_toss():
    invs = [invoice("INV-901", "500.00"), invoice("INV-902", "500.00")]
    [d] = decide([payment("500.00", text="thanks")], invs)
    assert d.status is Status.SUGGESTED
    assert d.reason == "tie" or len(d.suggestions) >= 2
    assert {s.invoice_ids for s in d.suggestions[:2]} == {("INV-901",), ("INV-902",)}


def test_single_invoice_and_a_combination_of_the_same_amount_are_a_tie():
    invs = [invoice("INV-901", "300.00"), invoice("INV-902", "100.00"), invoice("INV-903", "200.00")]
    [d] = decide([payment("300.00")], invs)
    assert d.status is Status.SUGGESTED


def test_partial_payment_leaves_the_rest_open_for_a_later_payment():
    invs = [invoice("INV-907", "1000.00", reference="RF18539007547034")]
    first = payment("400.00", ref="RF18539007547034", booked=date(2026, 1, 10))
    second = payment("600.00", ref="RF18539007547034", booked=date(2026, 1, 25))
    d1, d2 = decide([first, second], invs)
    assert d1.status is Status.MATCHED and ids(d1) == [("INV-907", Decimal("400.00"))]
    assert d2.status is Status.MATCHED and ids(d2) == [("INV-907", Decimal("600.00"))]


def test_short_by_bank_charges_closes_the_invoice_with_the_difference_recorded():
    invs = [invoice("INV-908", "1000.00")]
    [d] = decide([payment("992.50", text="INV-908")], invs)
    assert d.status is Status.MATCHED
    assert d.difference == Decimal("7.50") and d.difference_reason == "bank charges"
    assert d.allocations[0].amount == Decimal("992.50") and d.allocations[0].write_off == Decimal("7.50")


def test_early_payment_discount_within_tolerance_closes_the_invoice():
    invs = [invoice("INV-909", "2000.00")]
    [d] = decide([payment("1960.00", text="INV-909 minus 2% skonto", booked=date(2026, 1, 12))], invs)
    assert d.status is Status.MATCHED
    assert d.difference == Decimal("40.00") and d.difference_reason == "early-payment discount"


def test_discount_rate_is_recognised_from_the_account_alone():
    invs = [invoice("INV-909", "2000.00"), invoice("INV-9010", "333.00")]
    [d] = decide([payment("1960.00", text="payment", booked=date(2026, 1, 12))], invs)
    assert d.status is Status.MATCHED and d.difference_reason == "early-payment discount"


def test_overpayment_leaves_a_customer_credit():
    invs = [invoice("INV-9011", "100.00")]
    [d] = decide([payment("150.00", text="INV-9011")], invs)
    assert d.status is Status.MATCHED
    assert ids(d) == [("INV-9011", Decimal("100.00"))]
    assert d.customer_credit == Decimal("50.00") and d.customer_id == "C-ACME"


def test_second_payment_for_an_already_paid_invoice_is_not_applied():
    invs = [invoice("INV-9012", "100.00", open_amount="0.00"), invoice("INV-9013", "70.00")]
    [d] = decide([payment("100.00", text="INV-9012")], invs)
    assert d.status in (Status.SUGGESTED, Status.UNMATCHED)
    assert d.already_paid == ("INV-9012",) and d.reason == "already paid"
    assert not d.allocations


def test_paying_twice_in_the_same_run_is_caught():
    invs = [invoice("INV-9014", "100.00")]
    d1, d2 = decide(
        [
            payment("100.00", text="INV-9014", booked=date(2026, 1, 10)),
            payment("100.00", text="INV-9014", booked=date(2026, 1, 11)),
        ],
        invs,
    )
    assert d1.status is Status.MATCHED
    assert d2.status is not Status.MATCHED and d2.already_paid == ("INV-9014",)


def test_unknown_account_with_invoice_number_and_similar_name_matches():
    invs = [invoice("INV-2026-000777", "640.00")]
    [d] = decide([payment("640.00", text="INV-2026-000777", iban=STRANGER_IBAN, name="Acme Trading")], invs)
    assert d.status is Status.MATCHED


def test_invoice_number_from_another_customers_account_is_suggested():
    invs = [invoice("INV-2026-000778", "640.00")]
    [d] = decide([payment("640.00", text="INV-2026-000778", iban=ACNE_IBAN, name="Acne Studios")], invs)
    assert d.status is Status.SUGGESTED


def test_unknown_account_without_reference_is_only_suggested():
    invs = [invoice("INV-9015", "123.45")]
    [d] = decide([payment("123.45", text="payment", iban=STRANGER_IBAN, name="ACME Trading BV")], invs)
    assert d.status is Status.SUGGESTED
    assert d.suggestions[0].invoice_ids == ("INV-9015",)


def test_no_cross_currency_match():
    invs = [invoice("INV-9016", "100.00", currency="USD", reference="RF18539007547034")]
    [d] = decide([payment("100.00", ref="RF18539007547034")], invs)
    assert d.status is not Status.MATCHED


def test_outgoing_payments_fees_and_interest_are_ignored():
    txs = [
        payment("-250.00", text="supplier"),
        payment("-4.90", code=BankTxCode("ACMT", "MDOP", "CHRG")),
        payment("1.23", code=BankTxCode("ACMT", "MDOP", "INTR")),
        payment("-2.00", code=BankTxCode(proprietary="NCHG")),
    ]
    ds = decide(txs, [invoice("INV-9017", "1.23")])
    assert [d.status for d in ds] == [Status.IGNORED] * 4
    assert [d.reason for d in ds[:3]] == ["outgoing payment", "bank charges", "interest"]


def test_pending_entries_are_not_applied():
    tx = payment("100.00", text="INV-9018")
    tx.status = TxStatus.PENDING
    [d] = decide([tx], [invoice("INV-9018", "100.00")])
    assert d.status is Status.IGNORED


def test_direct_debit_return_is_linked_to_its_collection_and_reopens_the_invoice():
    invs = [invoice("INV-9019", "89.00"), invoice("INV-9020", "89.00")]
    collection = payment(
        "89.00",
        e2e="E2E-INV-9019",
        mandate="M-1",
        booked=date(2026, 1, 10),
        bank_ref="COLL-1",
        text="SEPA collection",
    )
    ret = payment("-89.00", e2e="E2E-INV-9019", mandate="M-1", booked=date(2026, 1, 15), return_reason="AM04")
    again = payment("89.00", e2e="E2E-INV-9019-2", booked=date(2026, 1, 20), text="INV-9019")
    d1, d2, d3 = decide([collection, ret, again], invs)
    assert d1.status is Status.MATCHED and ids(d1) == [("INV-9019", Decimal("89.00"))]
    assert d2.is_return and d2.return_reason == "AM04"
    assert d2.linked_bank_ref == "COLL-1" and d2.linked_invoice_ids == ("INV-9019",)
    assert ids(d2) == [("INV-9019", Decimal("-89.00"))]
    assert d3.status is Status.MATCHED and ids(d3) == [("INV-9019", Decimal("89.00"))]


def test_return_of_a_collection_from_an_earlier_run_finds_the_paid_invoice():
    invs = [invoice("INV-9021", "45.00", open_amount="0")]
    [d] = decide([payment("-45.00", e2e="INV-9021", return_reason="MD06", reversal=True)], invs)
    assert d.is_return and d.linked_invoice_ids == ("INV-9021",)
    assert d.status is Status.MATCHED


def test_credit_note_is_netted_in_a_combination():
    invs = [invoice("INV-9022", "500.00"), invoice("CN-901", "-50.00")]
    [d] = decide([payment("450.00", text="INV-9022 CN-901")], invs)
    assert d.status is Status.MATCHED
    assert sorted(ids(d)) == [("CN-901", Decimal("-50.00")), ("INV-9022", Decimal("500.00"))]


def test_processing_order_does_not_depend_on_input_order():
    invs = [invoice("INV-9023", "100.00")]
    a = payment("100.00", booked=date(2026, 1, 10), bank_ref="A")
    b = payment("100.00", booked=date(2026, 1, 11), bank_ref="B")
    first = {d.transaction.bank_ref: d.status for d in decide([a, b], invs)}
    second = {d.transaction.bank_ref: d.status for d in decide([b, a], invs)}
    assert first == second == {"A": Status.MATCHED, "B": Status.UNMATCHED}


def test_decisions_come_back_in_input_order():
    invs = [invoice("INV-9024", "10.00")]
    txs = [payment("10.00", booked=date(2026, 1, 20)), payment("-1.00", booked=date(2026, 1, 1))]
    assert [d.transaction for d in decide(txs, invs)] == txs


def test_a_mistyped_number_that_is_another_customers_invoice_still_finds_the_right_one():
    invs = [
        invoice("INV-2026-004711", "318.40"),
        invoice("INV-2026-007411", "99.00", customer="C-ACNE"),
    ]
    [d] = decide([payment("318.40", text="invoice 2026-007411")], invs)
    assert d.status is Status.MATCHED
    assert ids(d) == [("INV-2026-004711", Decimal("318.40"))]


def test_the_same_digits_in_another_numbering_series_do_not_block_a_reference():
    invs = [
        invoice("2026/0915", "2380.00", reference="RF18539007547034"),
        invoice("INV-2026-00915", "2380.00", customer="C-ACNE"),
    ]
    [d] = decide([payment("2380.00", e2e="2026/0915", text="SEPA collection")], invs)
    assert d.status is Status.MATCHED and ids(d) == [("2026/0915", Decimal("2380.00"))]


def test_an_exact_combination_is_found_among_many_within_tolerance():
    amounts = ["1000.00", "990.00", "985.00", "995.00", "1005.00", "20.00", "15.00", "7.00", "3.00"]
    invs = [invoice(f"INV-{9100 + k}", a) for k, a in enumerate(amounts)]
    by_id = {i.invoice_id: i.amount for i in invs}
    [d] = decide([payment("1027.00", text="payment")], invs)
    # 1000 + 20 + 7, 985 + 20 + 15 + 7 and 1005 + 15 + 7: three exact sums, so a person chooses
    assert d.status is Status.SUGGESTED
    assert all(sum(by_id[i] for i in s.invoice_ids) == Decimal("1027.00") for s in d.suggestions[:3])


def test_interest_booked_under_a_german_code_is_recognised_by_its_swift_type():
    tx = payment("5.34", text="Rente", iban=None, name=None, code=BankTxCode(proprietary="814", issuer="DK"))
    tx.extra["swift_transaction_type"] = "NINT"
    [d] = decide([tx], [invoice("INV-9200", "5.34")])
    assert d.status is Status.IGNORED


def test_a_customer_too_big_to_combine_is_matched_only_when_no_selection_has_the_same_sum():
    invs = [invoice(f"INV-{9300 + k}", f"{100 + k}.00") for k in range(70)]
    invs.append(invoice("INV-9399", "201.00"))
    unique, ambiguous = decide([payment("105.00", text="payment"), payment("201.00", text="payment")], invs)
    assert unique.status is Status.MATCHED and ids(unique) == [("INV-9305", Decimal("105.00"))]
    assert ambiguous.status is Status.SUGGESTED  # 100.00 + 101.00 is 201.00 as well


def test_an_interrupted_combination_search_does_not_count_as_unique():
    tight = MatchingConfig.from_mapping({"thresholds": {"subset_node_budget": 3}})
    invs = [
        invoice(f"INV-{9400 + k}", a) for k, a in enumerate(["50.00", "30.00", "20.00", "10.00", "40.00"])
    ]
    [d] = decide([payment("50.00", text="payment")], invs, tight)
    assert d.status is Status.SUGGESTED
