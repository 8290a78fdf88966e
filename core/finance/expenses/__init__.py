"""Expense documents (费用单): platform fees outside settlements, ad invoices, forwarders'
freight bills, carrier invoices and other costs, entered as drafts, linked to the business
documents they belong to, approved, and booked by their voucher rule (docs/finance.md,
"Expense documents")."""
