"""The roster in the store (data.roster_store): saved per offices, read back merged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from store_utils import account

from data.errors import AccessDenied, InputError
from data.roster import read_roster
from data.roster_store import roster_name, save_roster, stored_roster
from data.store import Store

CSV = ("courier_id,name,phone,office_id,profile,shift,days_off,capacity,active\n"
       "C01,Nguyễn Văn An,0905123456,po-23401,xe máy,07:00-17:00,CN,40,có\n"
       "C02,Y Blưk,912345678,po-23401,motorbike,07:30-16:30,,30,true\n"
       "C03,Trần Thị Hoa,0935111222,po-23293,car,,T7;CN,20,false\n")
OFFICES = ["po-23401", "po-23293"]


def test_roster_round_trips_and_is_office_scoped(tmp_path: Path) -> None:
    """Saved as read, merged back identical; a dispatcher sees only their office's couriers."""
    roster = read_roster(CSV.encode("utf-8"), office_ids=OFFICES, filename="roster.csv")
    with Store(f"sqlite:///{tmp_path / 's.sqlite'}") as store:
        root = account(store, "root")
        dak_to = account(store, "lan", role="dispatcher", offices=["po-23401"])
        assert stored_roster(store, actor=root) is None
        saved = save_roster(store, roster, actor=root)
        assert saved.name == roster_name(OFFICES) == "roster po-23293+po-23401"
        back = stored_roster(store, actor=root, office_ids=OFFICES)
        assert back is not None
        pd.testing.assert_frame_equal(back.reset_index(drop=True),
                                      roster.reset_index(drop=True), check_dtype=False)
        assert stored_roster(store, actor=dak_to) is None  # the saved roster spans 2 offices
        own = roster[roster["office_id"] == "po-23401"]
        save_roster(store, own.assign(name=own["name"].str.upper()), actor=dak_to)
        mine = stored_roster(store, actor=dak_to)
        assert mine is not None and mine["name"].tolist() == ["NGUYỄN VĂN AN", "Y BLƯK"]
        merged = stored_roster(store, actor=root)
        assert merged is not None and merged.set_index("courier_id")["name"].to_dict() == {
            "C01": "NGUYỄN VĂN AN", "C02": "Y BLƯK", "C03": "Trần Thị Hoa"}
        with pytest.raises(AccessDenied):
            save_roster(store, roster, actor=dak_to)
        with pytest.raises(InputError, match="roster is empty"):
            save_roster(store, roster.iloc[0:0], actor=root)
