"""Carrier plugins (FedEx, DHL, UPS, USPS), each registered through the tradelane.carriers entry point."""
