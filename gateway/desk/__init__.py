"""The credit manager's desk: ageing and payment behaviour from our own ledger, follow-up of overdue accounts
(dunning levels, promises and payment plans, notes and disputes), and the documents a collection needs
(statement of account, payment-history file)."""
