"""The notification layer's parts below the services: who a recipient is, how a message is
rendered in their language, the channels that carry it, and the hooks upper floors give.

Services (``aftersales.platform.services.notify`` and the delivery) put them together.
"""
