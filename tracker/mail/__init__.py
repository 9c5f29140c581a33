"""E-mail: notices written to an outbox with the change that causes them, sent by a command.

No pages of its own: a person chooses their e-mails on the settings page (auth) and
administrators watch the outbox among the admin screens. `notices` holds the small hooks
the request rules call, `outbox` queues and renders, `sender` hands messages to SMTP.
"""
