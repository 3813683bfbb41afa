"""SLA: the shop's business hours, the policies a ticket falls under, its targets' due times and breaches."""
