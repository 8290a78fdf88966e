"""Accounting target plugins (Kingdee, QuickBooks, Xero, Beancount), registered through tradelane.accounting."""
