"""Payment-source plugins (PayPal), each registered through the tradelane.payments entry point
(docs/decisions/0014-payment-sources.md)."""
