"""Channels: the ways a notification leaves the node (webhook, e-mail, SMS, voice, Apprise).

Each channel has one method, ``send(delivery) -> DeliveryResult``, whose outcome says whether
a retry may help; none raises a third-party exception. ``registry.build_channels`` is the one
place that knows them all; see docs/notification.md for what each one sends.
"""
