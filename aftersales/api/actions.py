"""The one idiom for an API action: ``POST /<resource>/{id}/<name>/`` calls one service.

Every app's state changes beyond create/update are built with ``service_action``: load the
object (the viewset's queryset decides who may see it, its ``action_roles`` who may act),
validate the input serializer, call the service with ``actor=request.user``, answer the
object as the viewset serializes it. The service's docstring documents the endpoint.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response


def _serialized(view, result):
    return Response(view.get_serializer(result).data)


def service_action(
    service,
    *,
    subject,
    name,
    input=None,
    output=None,
    respond=None,
    extra=None,
    method_name=None,
    summary=None,
    parameters=(),
):
    """Build the endpoint for ``service`` as a viewset attribute.

    ``subject``: the keyword the service takes the object as (``ticket=``, ``sample=``).
    ``input``: the serializer of the request body (None: no body). ``output``: the
    response serializer for the schema (default: the viewset's). ``respond(view, result)``
    builds the response (default: the viewset's serializer of the result). ``extra``:
    ``request → kwargs`` added to the call (an ``If-Match`` version). ``method_name``:
    the Python name when ``name`` would shadow a view method (``dispatch``).
    """
    respond = respond or (
        (lambda view, result: Response(output(result).data)) if output else _serialized
    )

    def handler(self, request, pk=None):
        kwargs = {subject: self.get_object(), "actor": request.user}
        if extra is not None:
            # bandit B610: `extra` is this factory's request → kwargs callable, not .extra() SQL.
            kwargs.update(extra(request))  # nosec B610
        if input is not None:
            data = input(data=request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            kwargs.update(data.validated_data)
        return respond(self, service(**kwargs))

    handler.__name__ = method_name or name.replace("-", "_")
    handler.__doc__ = service.__doc__
    handler = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    schema = {"request": input, "summary": summary}
    if parameters:
        schema["parameters"] = list(parameters)
    if output is not None:
        schema["responses"] = output
    # After @action, which resets the function's kwargs where the schema is kept.
    return extend_schema(**schema)(handler)
