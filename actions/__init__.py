"""The clinic assistant's action server (rasa-sdk). One module per concern:

content.py     loads and validates content/answers.yml and content/clinic.yml, reloads them on change
messages.py    builds every message the assistant sends (also used by plugins/channel/rest.py)
answers.py     answers a topic question, resolving follow-ups against the last topic
escalation.py  greeting, topics menu, out of scope, fallback, "please contact a clinician"
safety.py      emergency and crisis replies (the decision itself is made by safety/detector.py)

Call-back requests (issue 13; docs/production.md "Call-back requests"):
callback_form.py      the form's ask, validation and submit actions
callback_messages.py  its messages (texts in content/callback.yml); callback_buttons.py its payloads
callback_shield.py    keeps phone numbers and names out of the transcript (called by the REST channel)
callback_config.py    its settings; phone.py number checks; signing.py the webhook signature
outbox.py             the outbox and held values (SQLAlchemy, the tracker store's database)
delivery.py           the webhook worker; worker_boot.py starts it in the action server

Kept free of import-time work so the Rasa server can import messages/content without side effects.
"""
