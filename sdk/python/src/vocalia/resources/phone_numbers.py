"""``/v1/phone-numbers``: `PhoneNumbers` and `AsyncPhoneNumbers`."""

from typing import Any

from vocalia import endpoints as ep
from vocalia._core import Op
from vocalia.resources._common import PHONE_NUMBER_FIELDS, AsyncRunner, SyncRunner, wire_body
from vocalia.types import Deleted, PhoneNumber


def _numbers(data: Any) -> list[PhoneNumber]:
    return [PhoneNumber.from_json(x) for x in data["data"]]


class _NumberOps:
    @staticmethod
    def create(
        number: str, label: str | None, carrier: str | None, is_default: bool | None
    ) -> Op[PhoneNumber]:
        payload = wire_body(
            PHONE_NUMBER_FIELDS,
            {"number": number, "label": label, "carrier": carrier, "is_default": is_default},
        )
        return Op("POST", ep.PHONE_NUMBERS, PhoneNumber.from_json, json=payload)

    @staticmethod
    def list() -> Op[list[PhoneNumber]]:
        return Op("GET", ep.PHONE_NUMBERS, _numbers)

    @staticmethod
    def delete(number_id: str) -> Op[Deleted]:
        return Op("DELETE", ep.path(ep.PHONE_NUMBER, number_id=number_id), Deleted.from_json)


class PhoneNumbers:
    """``/v1/phone-numbers``: the numbers calls are placed from."""

    def __init__(self, client: SyncRunner) -> None:
        self._client = client

    def create(
        self,
        *,
        number: str,
        label: str | None = None,
        carrier: str | None = None,
        is_default: bool | None = None,
    ) -> PhoneNumber:
        return self._client._run(_NumberOps.create(number, label, carrier, is_default))

    def list(self) -> list[PhoneNumber]:
        return self._client._run(_NumberOps.list())

    def delete(self, number_id: str) -> Deleted:
        return self._client._run(_NumberOps.delete(number_id))


class AsyncPhoneNumbers:
    """``/v1/phone-numbers``: the numbers calls are placed from."""

    def __init__(self, client: AsyncRunner) -> None:
        self._client = client

    async def create(
        self,
        *,
        number: str,
        label: str | None = None,
        carrier: str | None = None,
        is_default: bool | None = None,
    ) -> PhoneNumber:
        return await self._client._run(_NumberOps.create(number, label, carrier, is_default))

    async def list(self) -> list[PhoneNumber]:
        return await self._client._run(_NumberOps.list())

    async def delete(self, number_id: str) -> Deleted:
        return await self._client._run(_NumberOps.delete(number_id))
