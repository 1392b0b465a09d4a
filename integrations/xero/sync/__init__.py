"""The sync engine: bring paying Xero contacts and their invoices into the CRM, and CRM edits back to Xero."""
