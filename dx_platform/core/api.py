"""What every API endpoint shares: one shape for a refusal, the schema that documents it, creating
through a service, and ETag/If-Match on changes.

A 400 is always {"<field>": ["reason", …], "non_field_errors": ["reason", …]}: the reasons about one
field of the request under that field's name, the rest under one key. Services refuse with Django's
ValidationError; this handler turns it into that shape, so no view catches it. Other refusals are DRF's
{"detail": "reason"} (403, 404, 409, 412, 428).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .concurrency import Stale

T = TypeVar("T")


def named(item: T | None, field: str) -> T:
    """An object a request body names in `field`: one the user may not read is as unknown as a missing one."""
    if item is None:
        raise exceptions.ValidationError({field: ["Unknown, or not one you may read."]})
    return item


def refusal(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as the 400's body."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
    errors = exc.message_dict
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return errors


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(refusal(exc))
    response = drf_exception_handler(exc, context)
    # `raise ValidationError("reason")` gives a bare list; it is a reason about no one field.
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, list):
        response.data = {api_settings.NON_FIELD_ERRORS_KEY: response.data}
    return response


_REFUSAL = {"$ref": "#/components/schemas/Refusal"}
_DETAIL = {"$ref": "#/components/schemas/Detail"}
_STALE = {"$ref": "#/components/schemas/Stale"}
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _response(description: str, schema: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the error responses each endpoint really gives.

    400 where the request carries input (a body, filters, or `query_refusals` on the view), 403 where a
    signed-in account is needed (or the role does not allow it), 404 where the path names an object,
    and 412/428 on the methods a view lists in `precondition_methods` and the actions in
    `precondition_actions` (If-Match).
    """

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        view = self.view
        errors: dict[str, dict[str, Any]] = {}
        takes_input = (
            self.method in _WRITES
            or getattr(view, "query_refusals", False)
            or (
                self._is_list_view()
                and bool(getattr(view, "filterset_fields", None) or getattr(view, "filterset_class", None))
            )
        )
        if takes_input and self.method != "DELETE":
            errors["400"] = _response("The request was refused: the reasons per field.", _REFUSAL)
        if AllowAny not in getattr(view, "permission_classes", ()) or self.method in _WRITES:
            errors["403"] = _response("Not signed in, two-factor authentication missing, or not allowed.", _DETAIL)
        if "{" in self.path:
            errors["404"] = _response("No such object among those you may see.", _DETAIL)
        if self.method in getattr(view, "precondition_methods", ()) or getattr(view, "action", None) in getattr(
            view, "precondition_actions", ()
        ):
            errors["412"] = _response(
                "The object changed since you read it (If-Match differs): it as it now is.", _STALE
            )
            errors["428"] = _response("If-Match with the ETag of your last GET is missing.", _DETAIL)
        return {**responses, **{code: body for code, body in errors.items() if code not in responses}}


class ServiceCreateMixin(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """POST: the body checked by the view's serializer, then made by a service (`create_from`); 201 with it.

    The service, not the serializer, writes: it checks the right and keeps what goes with the write.
    """

    def create_from(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    # No docstring: the schema takes the endpoint's description from the view's.
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        made = self.create_from(body.validated_data)
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: GET it again and re-apply your change."


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Send If-Match with the ETag of your last GET, so a concurrent change is not overwritten."


def etag_of(data: Any) -> str:
    """The ETag of an object as its serializer gives it: it changes whenever what a GET shows changes."""
    text = json.dumps(data, sort_keys=True, default=str)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


class ETagMixin(viewsets.GenericViewSet):
    """GET sends an ETag; PUT/PATCH need a matching If-Match (never overwrite a change unseen).

    The check and the write are one step: `check_if_match` gives the version the ETag is of, and the
    service the change goes to claims it (dx_platform/core/concurrency.py), so of two writers with one
    ETag exactly one wins. The other, like any If-Match that differs, gets 412 with the object as it now
    stands and its ETag.
    """

    precondition_methods = ("PUT", "PATCH")  # the schema lists their 412 and 428
    precondition_actions: tuple[str, ...] = ()  # POST actions that change the object itself also need If-Match

    def etag(self, instance: Any) -> str:
        return etag_of(self.get_serializer(instance).data)

    def check_if_match(self, instance: Any) -> int:
        """The version of `instance` the request's If-Match names (428 without one, 412 if it differs)."""
        given = self.request.headers.get("If-Match")
        if not given:
            raise PreconditionRequired()
        if given.strip() != self.etag(instance):
            raise Stale(instance)
        return int(instance.version)

    def stale_response(self) -> Response:
        current = self.get_object()  # read afresh, as a GET would
        etag = self.etag(current)
        body = {"detail": PreconditionFailed.default_detail, "etag": etag, "current": self.get_serializer(current).data}
        response = Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
        response["ETag"] = etag
        return response

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Stale):
            return self.stale_response()
        return super().handle_exception(exc)

    def with_etag(self, response: Response, instance: Any) -> Response:
        response["ETag"] = self.etag(instance)
        return response
