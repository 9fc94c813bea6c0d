"""The clinic assistant's action server (rasa-sdk). One module per concern:

content.py     loads and validates content/answers.yml and content/clinic.yml, reloads them on change
messages.py    builds every message the assistant sends (also used by plugins/channel/rest.py)
answers.py     answers a topic question, resolving follow-ups against the last topic
escalation.py  greeting, topics menu, out of scope, fallback, "please contact a clinician"
safety.py      emergency and crisis replies (the decision itself is made by safety/detector.py)

Kept free of import-time work so the Rasa server can import messages/content without side effects.
"""
