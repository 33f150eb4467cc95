"""One translation mechanism for every label in the app: Vietnamese first, English on request.

Every user-facing string goes through :func:`t`. The language lives in
``st.session_state["lang"]`` (``"vi"`` by default) and is switched by the sidebar toggle
that :func:`language_toggle` draws. Dates print as dd/mm/yyyy and times on the 24-hour
clock in both languages; numbers use the Vietnamese separators (``540.438``) in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import streamlit as st

LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"
LANG_KEY = "lang"

#: key -> (Vietnamese, English). Placeholders use str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    # --- application frame
    "app.title": (
        "Kế hoạch bưu chính công ích — Kon Tum",
        "Public-service postal planner — Kon Tum",
    ),
    "app.caption": (
        "Tuyến thu gom và trả hồ sơ hành chính (QĐ 45/2016/QĐ-TTg), khu vực Kon Tum cũ "
        "(nay thuộc tỉnh Quảng Ngãi).",
        "Pickup and delivery of administrative dossiers (Decision 45/2016/QĐ-TTg), former "
        "Kon Tum province (now part of Quảng Ngãi).",
    ),
    "app.english": ("English", "English"),
    "nav.dispatch": ("Điều phối", "Dispatch"),
    "nav.coverage": ("Vùng phục vụ", "Coverage"),
    "nav.data": ("Dữ liệu", "Data"),
    "common.not_ready": (
        "Phần này chưa sẵn sàng (thiếu mô-đun {module}).",
        "This part is not available yet (module {module} is missing).",
    ),
    "common.download_csv": ("Tải CSV", "Download CSV"),
    "common.download_xlsx": ("Tải XLSX", "Download XLSX"),
    "common.estimated": ("ước tính", "estimated"),
    "common.none": ("Không có", "None"),
    "common.choose": ("Chọn…", "Choose…"),
    "jobkind.dossier_pickup": ("Nhận hồ sơ → một cửa", "Dossier to one-stop shop"),
    "jobkind.result_delivery": ("Trả kết quả", "Result delivery"),
    "jobkind.counter_transfer": ("Chuyển hồ sơ giữa hai điểm", "Counter transfer"),
    "jobkind.delivery": ("Giao", "Delivery"),
    "jobkind.pickup": ("Nhận", "Pickup"),
    "jobkind.transfer": ("Chuyển", "Transfer"),
    "common.problems": (
        "{n} lỗi — dữ liệu trước đó được giữ nguyên:",
        "{n} problems — the previous data is kept:",
    ),
    "error.conflict": (
        "Không lưu được vì có người khác vừa lưu.",
        "Not saved: someone else saved meanwhile.",
    ),
    "error.integrity": (
        "Tệp dữ liệu của gói bị thiếu hoặc bị sửa. Chi tiết:",
        "A bundled data file is missing or altered. Details:",
    ),
    "error.network": ("Lỗi mạng đường. Chi tiết:", "Road network error. Details:"),
    "error.storage": (
        "Không đọc hoặc ghi được kho kế hoạch. Chi tiết:",
        "The plan store could not be read or written. Details:",
    ),
    "error.postplan": ("Không thực hiện được. Chi tiết:", "This could not be done. Details:"),
    "error.unexpected": (
        "Đã xảy ra lỗi không lường trước; dữ liệu đang dùng được giữ nguyên. Hãy báo cho "
        "quản trị viên (chi tiết nằm trong nhật ký máy chủ).",
        "An unexpected error occurred; the data in use is kept. Please tell the "
        "administrator (the details are in the server log).",
    ),
    "common.apply": ("Áp dụng", "Apply"),
    "common.reset": ("Khôi phục mặc định", "Reset to default"),
    # --- sources (labels for the `source` column values)
    "source.osm": ("OSM (khảo sát)", "OSM (mapped)"),
    "source.user": ("người dùng", "user"),
    "source.estimated": ("ước tính", "estimated"),
    "source.geocoded": ("mã hóa địa lý", "geocoded"),
    "source.proxy": ("mạng thay thế (ước tính)", "proxy network (estimated)"),
    "source.simulated": ("mô phỏng", "simulated"),
    "source.national_road": ("quốc lộ", "national road"),
    "source.census": ("điều tra dân số 2019", "2019 census"),
    "source.worldpop": ("WorldPop 2020", "WorldPop 2020"),
    # --- office kinds
    "kind.post_office": ("Bưu cục", "Post office"),
    "kind.commune_post": ("Bưu điện văn hóa xã", "Commune post"),
    "kind.one_stop_shop": ("Bộ phận một cửa", "One-stop shop"),
    # --- data page
    "data.title": ("Dữ liệu", "Data"),
    "data.intro": (
        "Tỉnh Kon Tum cũ: xã/phường tô màu theo dân số, bưu cục và điểm một cửa theo loại và "
        "nguồn. Mọi thứ không khảo sát thực tế đều được ghi là «ước tính».",
        "Former Kon Tum province: communes coloured by population, offices by kind and source. "
        "Everything not surveyed is labelled 'estimated'.",
    ),
    "data.units": ("Đơn vị hành chính", "Administrative units"),
    "data.units_old": ("102 xã trước 2025", "102 communes before 2025"),
    "data.units_new": ("Xã mới sau 01/07/2025", "New communes after 01/07/2025"),
    "data.show_offices": ("Hiện bưu cục / điểm một cửa", "Show offices"),
    "data.show_network": ("Hiện mạng đường", "Show the road network"),
    "data.metric_communes": ("Xã (trước 2025)", "Communes (before 2025)"),
    "data.metric_new_communes": ("Xã mới (2025)", "New communes (2025)"),
    "data.metric_population": ("Dân số 2019", "Population 2019"),
    "data.metric_offices": ("Bưu cục / điểm", "Offices"),
    "data.population": ("Dân số", "Population"),
    "data.kind": ("Loại", "Kind"),
    "data.source": ("Nguồn", "Source"),
    "data.count": ("Số lượng", "Count"),
    "data.commune": ("Xã", "Commune"),
    "data.new_commune": ("Xã mới", "New commune"),
    "data.district": ("Huyện (cũ)", "District (old)"),
    "data.sources_title": ("Nguồn dữ liệu và phần ước tính", "Data sources and what is estimated"),
    "data.sources_table": ("Danh mục dữ liệu", "Data catalogue"),
    "data.catalogue_name": ("Bộ dữ liệu", "Dataset"),
    "data.catalogue_file": ("Tệp", "File"),
    "data.catalogue_licence": ("Giấy phép", "Licence"),
    "data.quality_title": ("Chất lượng dữ liệu dân số", "Population data quality"),
    "data.quality_hint": (
        "Lưới WorldPop 2020 (ước tính) so với điều tra dân số 2019 theo từng xã.",
        "The WorldPop 2020 grid (an estimate) next to the 2019 census, commune by commune.",
    ),
    "data.quality_census": ("Điều tra 2019", "Census 2019"),
    "data.quality_grid": ("Lưới WorldPop", "WorldPop grid"),
    "data.quality_ratio": ("Tỷ lệ lưới/điều tra", "Grid / census"),
    "data.quality_warning": ("Cảnh báo", "Warning"),
    "data.points_warning": (
        "{n} trên {total} điểm xã trong gói dữ liệu bị sai và đã được thay bằng một điểm ước "
        "tính bên trong xã (vẽ rỗng, viền đứt trên bản đồ): {outside} điểm nằm ngoài ranh giới "
        "xã của mình; {shared} xã ({names}) dùng chung một điểm vì mã hóa địa lý thất bại. "
        "Văn phòng ước tính, việc nhập theo tên xã, điểm đề xuất và báo cáo đều dùng điểm đã "
        "thay; cách chọn từng điểm ghi ở bảng chất lượng dữ liệu.",
        "{n} of {total} commune points in the bundle were wrong and are replaced by an "
        "estimated point inside the commune (hollow, dashed on the map): {outside} lay outside "
        "their own commune; {shared} communes ({names}) shared one point because the geocoder "
        "failed. Estimated offices, jobs placed by commune name, candidate sites and reports "
        "all use the replacement; how each was chosen is in the data-quality table.",
    ),
    "data.show_points": ("Điểm xã (rỗng: ước tính)", "Commune points (hollow: estimated)"),
    "data.quality_point": ("Điểm xã", "Commune point"),
    "data.estimated_title": ("Phần ước tính", "What is estimated"),
    "data.estimated_offices": (
        "{n_est} trên {n} bưu cục/điểm có vị trí ước tính (đặt tại điểm trung tâm xã); "
        "{n_osm} lấy từ OpenStreetMap.",
        "{n_est} of {n} offices have an estimated position (placed at the commune point); "
        "{n_osm} come from OpenStreetMap.",
    ),
    "data.estimated_population": (
        "Dân số xã là số liệu điều tra 2019 (GSO); lưới dân số là WorldPop 2020 (mô hình, "
        "ước tính).",
        "Commune population is the 2019 census (GSO); the population grid is WorldPop 2020 "
        "(modelled, an estimate).",
    ),
    "data.estimated_boundaries": (
        "Ranh giới xã là GADM 4.1 (không chính thức); xã mới 2025 ghép từ bảng chuyển đổi "
        "vietnamadminunits.",
        "Commune boundaries are GADM 4.1 (not official); the 2025 communes are joined through "
        "the vietnamadminunits conversion table.",
    ),
    "data.offices_title": ("Bưu cục và điểm một cửa", "Offices"),
    "data.offices_upload": ("Tải lên danh sách (CSV/XLSX)", "Upload a list (CSV/XLSX)"),
    "data.offices_uploaded": (
        "Đã nạp {n} bưu cục/điểm từ {name}.",
        "Loaded {n} offices from {name}.",
    ),
    "data.offices_edit_hint": (
        "Sửa trực tiếp trong bảng rồi bấm «Áp dụng»; dòng sửa tay được ghi nguồn «user».",
        "Edit the table, then press 'Apply'; edited rows get source 'user'.",
    ),
    "data.offices_applied": ("Đã áp dụng {n} bưu cục/điểm.", "Applied {n} offices."),
    "data.offices_current": ("Đang dùng: {what}", "In use: {what}"),
    "data.offices_default": ("danh sách mặc định", "the default list"),
    "data.offices_custom": ("danh sách đã sửa/tải lên", "an edited/uploaded list"),
    "data.speeds_title": ("Bảng tốc độ", "Speed table"),
    "field.title": ("Học từ thực địa (vết GPS)", "Learnt from the field (GPS traces)"),
    "field.hint": (
        "Tốc độ quan sát so với bảng, theo loại đường (n = số lần đi qua, khoảng tin cậy "
        "95 %), và các đường vết GPS đi qua mà mạng lưới chưa có. Không gì thay đổi cho "
        "đến khi bạn bấm chấp nhận. Nhập vết: postplan field import.",
        "Observed against table speeds per road class (n = traversals, 95 % confidence "
        "interval), and roads the GPS traces rode that the network lacks. Nothing changes "
        "until you accept. Import traces with: postplan field import."),
    "field.none": ("Chưa có vết GPS nào được nhập.", "No GPS traces imported yet."),
    "field.simulated": (
        "MÔ PHỎNG: các quan sát này từ vết GPS mô phỏng, không phải đo thực tế.",
        "SIMULATED: these observations come from simulated GPS traces, not measurements."),
    "field.error": ("Không đọc được quan sát: {error}", "Cannot read the observations: {error}"),
    "field.observations": (
        "{batches} lần nhập, {traversals} lần đi qua đoạn đường; so với {base}",
        "{batches} import(s), {traversals} edge traversals; against {base}"),
    "field.col_class": ("Loại đường / mặt", "Class / surface"),
    "field.col_vehicle": ("Phương tiện", "Vehicle"),
    "field.col_n": ("n", "n"),
    "field.col_table": ("Bảng (km/h)", "Table (km/h)"),
    "field.col_observed": ("Quan sát (km/h)", "Observed (km/h)"),
    "field.col_ci": ("Khoảng tin cậy 95 %", "95 % interval"),
    "field.col_status": ("Đề xuất", "Proposal"),
    "field.status_change": ("đổi", "change"),
    "field.status_keep": ("giữ (bảng nằm trong khoảng)", "keep (table inside interval)"),
    "field.status_too_few": ("quá ít quan sát", "too few observations"),
    "field.author": ("Người chấp nhận", "Accepted by"),
    "field.accept_speeds": ("Chấp nhận {n} tốc độ mới (phiên bản bảng mới)",
                            "Accept {n} new speed(s) (new table version)"),
    "field.accepted_speeds": ("Đã lưu: bảng tốc độ đang dùng là {label}",
                              "Saved: the speed table in use is {label}"),
    "field.roads_title": ("Đường đề xuất từ vết GPS", "Roads proposed from GPS traces"),
    "field.no_roads": ("Không có đường đề xuất ({stretches} đoạn ngoài mạng lưới).",
                       "No road proposed ({stretches} off-network stretches)."),
    "field.roads_found": ("{n} đường, {km} km (nét chấm tím)",
                          "{n} road(s), {km} km (purple dots)"),
    "field.accept_roads": ("Thêm {n} đường vào mạng lưới", "Add {n} road(s) to the network"),
    "field.accepted_roads": ("Đã thêm {n} đường (phiên bản {version})",
                             "Added {n} road(s) (version {version})"),
    "field.download_osc": ("Tải tệp thay đổi OSM (.osc)", "Download OSM change file (.osc)"),
    "data.speeds_profile": ("Phương tiện", "Profile"),
    "data.speeds_hint": (
        "Tốc độ theo loại đường (km/h). Không có khảo sát tốc độ thực tế ở Tây Nguyên: đây là "
        "giá trị ước tính, hãy hiệu chỉnh.",
        "Speed by road class (km/h). No survey of real courier speeds exists for the Central "
        "Highlands: these are estimates; calibrate them.",
    ),
    "data.speeds_applied": ("Đã áp dụng bảng tốc độ.", "Speed table applied."),
    "data.closures_title": ("Đường bị chặn (sạt lở, ngập)", "Road closures (landslides, floods)"),
    "data.closures_hint": (
        "Mỗi dòng: tâm điểm (vĩ độ, kinh độ), bán kính (m), hiệu lực từ–đến, lý do. Áp dụng "
        "trước khi lập tuyến và tính vùng phục vụ.",
        "One row each: centre (lat, lon), radius (m), valid from–to, reason. Applied before "
        "routing and service areas.",
    ),
    "data.closures_applied": ("Đã áp dụng {n} đoạn chặn.", "Applied {n} closures."),
    "data.closed_today": (
        "Hôm nay {n} cạnh đường bị chặn; lập tuyến và vùng phục vụ tránh các đoạn này.",
        "{n} road edges are closed today; routes and coverage avoid them.",
    ),
    "data.closures_upload": ("Tải lên bảng đường chặn (CSV)", "Upload a closures table (CSV)"),
    "data.closed_edges": (
        "{n} đoạn đường bị chặn hôm nay (nét vàng đen).",
        "{n} road segments closed today (black and yellow dashes).",
    ),
    "data.network_title": ("Tình trạng mạng đường", "Network status"),
    "data.network_kind": ("Loại mạng", "Network kind"),
    "data.network_file": ("Tệp nguồn: {file}", "Source file: {file}"),
    "data.network_file_proxy": (
        "Tệp nguồn: không có — mạng thay thế dựng từ quốc lộ, điểm xã và lưới dân số của "
        "gói dữ liệu.",
        "Source file: none — the proxy network is built from the bundle's national roads, "
        "commune points and population grid.",
    ),
    "data.network_file_none": ("Tệp nguồn: không rõ.", "Source file: unknown."),
    "data.network_km_total": ("Tổng km đường", "Road km in total"),
    "data.network_nodes": ("Nút", "Nodes"),
    "data.network_edges": ("Cạnh", "Edges"),
    "data.network_km": ("km", "km"),
    "data.network_proxy_warning": (
        "Mạng đường hiện là mạng THAY THẾ (ước tính): các đoạn nối giữa khu dân cư và quốc lộ "
        "dựng từ điểm xã, không phải bản đồ OSM. Thời gian di chuyển chỉ mang tính gần đúng.",
        "The road network is a PROXY (estimated): links between settlements and the national "
        "roads built from commune points, not an OSM map. Travel times are approximate.",
    ),
    "data.network_legend": (
        "Trên bản đồ: quốc lộ nét liền đỏ, đoạn thay thế nét đứt xám.",
        "On the map: highways solid red, proxy links dashed grey.",
    ),
    # --- dispatch page
    "dispatch.title": ("Điều phối tuyến trong ngày", "Daily dispatch"),
    "dispatch.date": ("Ngày", "Date"),
    "dispatch.office": ("Bưu cục xuất phát", "Start office"),
    "dispatch.couriers": ("Số bưu tá", "Couriers"),
    "dispatch.weekend": (
        "{day} là ngày nghỉ: bưu cục và bộ phận một cửa có thể đóng cửa.",
        "{day} is a weekend day: offices and one-stop shops may be closed.",
    ),
    "dispatch.jobs_title": ("Việc trong ngày", "The day's jobs"),
    "dispatch.template": ("Tải tệp mẫu (CSV)", "Download the template (CSV)"),
    "dispatch.upload_hint": (
        "Cột: job_id, kind, lat, lon hoặc commune, office_id, to_office_id, windows, "
        "service_min, amount, priority, due_date, label. Tệp lỗi không thay thế danh sách "
        "đang có.",
        "Columns: job_id, kind, lat, lon or commune, office_id, to_office_id, windows, "
        "service_min, amount, priority, due_date, label. A rejected file never replaces the "
        "jobs in use.",
    ),
    "dispatch.route_line": (
        "{stops} điểm dừng. Xuất phát {start} từ {office}, về {end}; {km} km.",
        "{stops} stops. Leaves {office} at {start}, back at {end}; {km} km.",
    ),
    "dispatch.replan_hint": (
        "Giữ các điểm đã qua trước giờ này, mỗi bưu tá đi tiếp từ vị trí hiện tại; việc chưa "
        "làm được xếp lại.",
        "Stops before this time are kept as done; each courier continues from where they are; "
        "the remaining jobs are planned again.",
    ),
    "dispatch.sheets_hint": (
        "PDF để in (tiếng Việt, có ô niêm phong và chữ ký, mã QR dẫn đường); XLSX/CSV cho "
        "Excel; GPX cho OsmAnd / Organic Maps; GeoJSON cho GIS.",
        "PDF to print (Vietnamese, seal and signature boxes, navigation QR codes); XLSX/CSV for "
        "Excel; GPX for OsmAnd / Organic Maps; GeoJSON for GIS.",
    ),
    "dispatch.n_jobs": ("Số việc mô phỏng", "Simulated jobs"),
    "dispatch.seed": ("Hạt giống ngẫu nhiên", "Random seed"),
    "dispatch.budget": ("Thời gian tính (giây)", "Solver budget (s)"),
    "dispatch.jobs_source": ("Nguồn việc", "Jobs from"),
    "dispatch.jobs_simulate": ("Mô phỏng một ngày", "Simulate a day"),
    "dispatch.jobs_upload": ("Nhập tệp (CSV/XLSX)", "Import a file (CSV/XLSX)"),
    "dispatch.upload": ("Tệp danh sách việc", "Jobs file"),
    "dispatch.simulate_btn": ("Mô phỏng", "Simulate"),
    "dispatch.jobs_loaded": ("{n} việc ({source})", "{n} jobs ({source})"),
    "dispatch.jobs_table": ("Danh sách việc", "The job list"),
    "dispatch.no_jobs": (
        "Chưa có việc: mô phỏng một ngày hoặc nhập tệp.",
        "No jobs yet: simulate a day or import a file.",
    ),
    "dispatch.plan_btn": ("Lập tuyến", "Plan routes"),
    "dispatch.planning": ("Đang lập tuyến…", "Planning…"),
    "dispatch.step_network": ("Nạp mạng đường", "Loading the network"),
    "dispatch.step_matrix": ("Tính ma trận thời gian", "Computing the travel-time matrix"),
    "dispatch.step_solve": ("Giải bài toán tuyến ({seconds} giây)", "Solving ({seconds} s)"),
    "dispatch.planned": ("Đã lập tuyến", "Planned"),
    "dispatch.plan_failed": ("Không lập được tuyến", "Planning failed"),
    "dispatch.banner_proxy": (
        "Kế hoạch dựa trên mạng đường THAY THẾ (ước tính), không phải bản đồ OSM.",
        "This plan rests on the PROXY road network (estimated), not an OSM map.",
    ),
    "dispatch.banner_simulated": (
        "Danh sách việc là MÔ PHỎNG, không phải yêu cầu thật.",
        "The jobs are SIMULATED, not real requests.",
    ),
    "dispatch.summary": (
        "{routes} tuyến, {stops} điểm dừng, {km} km, {hours} giờ; {unassigned} việc chưa giao",
        "{routes} routes, {stops} stops, {km} km, {hours} h; {unassigned} unassigned",
    ),
    "dispatch.routes_title": ("Tuyến theo bưu tá", "Routes by courier"),
    "dispatch.courier": ("Bưu tá", "Courier"),
    "dispatch.seq": ("TT", "#"),
    "dispatch.type": ("Loại", "Type"),
    "dispatch.depot": ("Bưu cục", "Office"),
    "dispatch.name": ("Tên", "Name"),
    "dispatch.arrival": ("Đến lúc", "Arrival"),
    "dispatch.window": ("Khung giờ", "Time window"),
    "dispatch.late": ("Trễ (phút)", "Late (min)"),
    "dispatch.status": ("Trạng thái", "Status"),
    "dispatch.done": ("đã xong", "done"),
    "dispatch.dossier": ("Mã hồ sơ", "Dossier"),
    "dispatch.unassigned_title": ("Việc chưa giao", "Unassigned jobs"),
    "dispatch.reason": ("Lý do", "Reason"),
    "dispatch.edit_title": ("Sửa tay", "Manual edit"),
    "dispatch.edit_stop": ("Điểm dừng", "Stop"),
    "dispatch.edit_to": ("Chuyển sang bưu tá", "Move to courier"),
    "dispatch.edit_pos": ("Vị trí", "Position"),
    "dispatch.edit_btn": ("Chuyển", "Move"),
    "dispatch.edit_ok": (
        "Đã chuyển; thời gian được tính lại, không vi phạm.",
        "Moved; times re-checked, no violation.",
    ),
    "dispatch.edit_violations": ("Vi phạm sau khi sửa:", "Violations after the edit:"),
    "dispatch.edit_undo": ("Hoàn tác sửa tay", "Undo manual edits"),
    "dispatch.replan_title": ("Lập lại phần còn lại trong ngày", "Re-plan the rest of the day"),
    "dispatch.replan_from": ("Từ giờ", "From"),
    "dispatch.replan_btn": ("Lập lại", "Re-plan"),
    "dispatch.replan_locked": ("Giữ nguyên tuyến của", "Keep the routes of"),
    "dispatch.edit_done_hint": (
        "Kế hoạch đã được lập lại từ {time}: các điểm đã xong giữ nguyên, chỉ chuyển được các "
        "điểm còn lại.",
        "The plan was re-planned from {time}: stops already done stay as they are; only the "
        "remaining stops can be moved.",
    ),
    "dispatch.plan_without_problem": (
        "Kế hoạch này được lưu bởi phiên bản cũ, không kèm dữ liệu bài toán (bưu cục, bưu tá, "
        "công việc), nên không sửa tay hay lập lại được: hãy lập tuyến lại cho ngày này rồi "
        "lưu.",
        "This plan was saved by an older version without its planning problem (offices, "
        "couriers, jobs), so it cannot be edited or re-planned: plan the day again and save "
        "it.",
    ),
    "dispatch.replan_solving": (
        "Đang lập lại (tối đa {seconds} giây)…",
        "Re-planning (at most {seconds} s)…",
    ),
    "dispatch.solver_deadline": (
        "Bộ giải bị dừng ở giới hạn cứng {seconds} giây: đây là kế hoạch tốt nhất tìm được "
        "đến lúc đó.",
        "The solver was stopped at its hard limit of {seconds} s: this is the best plan it "
        "had found by then.",
    ),
    "dispatch.iterations": ("Số vòng lặp", "Iterations"),
    "dispatch.iterations_help": (
        "0 = không giới hạn (dừng theo thời gian). Với số vòng lặp, cùng danh sách việc, hạt "
        "giống và số vòng lặp cho cùng kế hoạch trên mọi máy, miễn là đủ vòng trước khi hết "
        "thời gian.",
        "0 = no limit (stop on time). With an iteration budget, the same jobs, seed and "
        "budget give the same plan on any machine, as long as the budget is reached before "
        "the time limit.",
    ),
    "dispatch.replan_done": (
        "Đã lập lại từ {time}: giữ {kept} điểm đã qua.",
        "Re-planned from {time}: kept {kept} stops already done.",
    ),
    "dispatch.saved_title": ("Mở kế hoạch đã lưu", "Open a saved plan"),
    "dispatch.saved_pick": ("Kế hoạch", "Plan"),
    "dispatch.saved_open": ("Mở", "Open"),
    "dispatch.saved_none": ("Chưa có kế hoạch nào được lưu.", "No plan has been saved yet."),
    "dispatch.saved_opened": (
        "Đang xem kế hoạch đã lưu «{name}» (phiên bản {version}).",
        "Showing the saved plan '{name}' (version {version}).",
    ),
    "dispatch.save_title": ("Lưu kế hoạch", "Save the plan"),
    "dispatch.save_name": ("Tên kế hoạch", "Plan name"),
    "dispatch.save_author": ("Người lưu", "Saved by"),
    "dispatch.save_btn": ("Lưu", "Save"),
    "dispatch.save_default": ("Kế hoạch ngày {day}", "Plan for {day}"),
    "dispatch.save_done": (
        "Đã lưu «{name}», phiên bản {version}.",
        "Saved '{name}', version {version}.",
    ),
    "dispatch.save_conflict": (
        "Không lưu: kế hoạch «{name}» đã có phiên bản {version} do {author} lưu lúc {when} "
        "(giờ Việt Nam), mới hơn phiên bản {opened} đang mở trên trang này. Không có gì bị "
        "ghi đè: hãy mở lại phiên bản {version}, làm lại thay đổi rồi lưu.",
        "Not saved: the plan '{name}' has a version {version} saved by {author} at {when} "
        "(Vietnam time), newer than the version {opened} open on this page. Nothing was "
        "overwritten: open version {version} again, redo your changes and save.",
    ),
    "dispatch.save_taken": (
        "Không lưu: tên «{name}» đã thuộc về một kế hoạch khác (#{id}, phiên bản {version}, "
        "do {author} lưu lúc {when}). Hãy chọn tên khác, hoặc mở kế hoạch đó trước rồi lưu "
        "thành phiên bản mới.",
        "Not saved: the name '{name}' belongs to another plan (#{id}, version {version}, "
        "saved by {author} at {when}). Choose another name, or open that plan first and save "
        "a new version of it.",
    ),
    "dispatch.history_title": ("Lịch sử phiên bản", "Version history"),
    "dispatch.restore_version": ("Phiên bản cần khôi phục", "Version to restore"),
    "dispatch.restore_author": ("Người khôi phục", "Restored by"),
    "dispatch.restore_btn": ("Khôi phục", "Restore"),
    "dispatch.restore_done": (
        "Đã khôi phục phiên bản {old} thành phiên bản mới {version}.",
        "Restored version {old} as the new version {version}.",
    ),
    "dispatch.compare_a": ("So sánh phiên bản", "Compare version"),
    "dispatch.compare_b": ("với phiên bản", "with version"),
    "dispatch.compare_btn": ("So sánh", "Compare"),
    "cmp.identical": (
        "Hai phiên bản {a} và {b} giao cùng việc cho cùng bưu tá, cùng giờ.",
        "Versions {a} and {b} give the same jobs to the same couriers at the same times.",
    ),
    "cmp.moved": (
        "Điểm «{label}» ({job}) chuyển từ {a} sang {b}.",
        "Stop '{label}' ({job}) moved from {a} to {b}.",
    ),
    "cmp.added_routed": (
        "Việc mới {job} «{label}», giao cho {courier}.",
        "New job {job} '{label}', given to {courier}.",
    ),
    "cmp.added_unassigned": (
        "Việc mới {job}, chưa giao: {reason}",
        "New job {job}, unassigned: {reason}",
    ),
    "cmp.removed": ("Việc {job} không còn trong kế hoạch.", "Job {job} is no longer in the plan."),
    "cmp.unassigned": (
        "Việc {job} «{label}» (trước của {courier}) nay chưa giao: {reason}",
        "Job {job} '{label}' (was {courier}'s) is now unassigned: {reason}",
    ),
    "cmp.assigned": (
        "Việc {job} «{label}» trước chưa giao, nay giao cho {courier}.",
        "Job {job} '{label}' was unassigned and now goes to {courier}.",
    ),
    "cmp.times": ("Giờ đến thay đổi ở: {couriers}.", "Arrival times changed for: {couriers}."),
    "cmp.total": (
        "Cả ngày: {km} km, {minutes} phút làm việc ({a} → {b}).",
        "Whole day: {km} km, {minutes} min of work ({a} → {b}).",
    ),
    "cmp.courier": ("Bưu tá", "Courier"),
    "cmp.jobs": ("Việc {v}", "Jobs {v}"),
    "cmp.km": ("km {v}", "km {v}"),
    "cmp.delta_km": ("± km", "± km"),
    "cmp.minutes": ("Phút {v}", "Minutes {v}"),
    "cmp.delta_min": ("± phút", "± min"),
    "cmp.arrivals": ("Giờ đến đổi (điểm)", "Arrivals changed (stops)"),
    "cmp.shift": ("Lệch lớn nhất (phút)", "Largest shift (min)"),
    "cmp.day": ("Cả ngày", "Whole day"),
    "cmp.not_plan": (
        "Phiên bản {version} không đọc được như một kế hoạch tuyến, nên không so sánh được.",
        "Version {version} cannot be read as a route plan, so it cannot be compared.",
    ),
    "store.version": ("Phiên bản", "Version"),
    "store.author": ("Người lưu", "Saved by"),
    "store.time": ("Thời gian (giờ VN)", "Time (Vietnam)"),
    "store.message": ("Ghi chú", "Message"),
    "store.restored_from": ("khôi phục từ v{version}", "restored from v{version}"),
    "dispatch.sheets_title": ("Phiếu tuyến cho bưu tá", "Route sheets for couriers"),
    "dispatch.sheets_format": ("Định dạng", "Format"),
    "dispatch.sheets_download": ("Tải phiếu {fmt}", "Download {fmt} sheet"),
    "dispatch.sheets_all": ("Tất cả bưu tá (một tệp)", "All couriers (one file)"),
    "dispatch.sheets_courier": ("Phiếu của", "Sheets for"),
    "dispatch.map_title": ("Bản đồ tuyến", "Route map"),
    "dispatch.map_show": ("Hiện tuyến của", "Show the routes of"),
    "dispatch.violation_late": (
        "{courier}: điểm {seq} ({name}) đến {arrival}, sau khung giờ {window}",
        "{courier}: stop {seq} ({name}) arrives {arrival}, after its window {window}",
    ),
    "dispatch.violation_shift": (
        "{courier}: về bưu cục lúc {end}, quá giờ làm {shift_end}",
        "{courier}: back at the office at {end}, after the shift end {shift_end}",
    ),
    "dispatch.violation_capacity": (
        "{courier}: chở {load} hồ sơ, quá sức chứa {capacity}",
        "{courier}: carries {load} dossiers, over capacity {capacity}",
    ),
    "dispatch.violation_order": (
        "{courier}: trả kết quả {job} trước khi nhận",
        "{courier}: delivers {job} before picking it up",
    ),
    # --- coverage page
    "coverage.title": ("Vùng phục vụ và chọn điểm mới", "Coverage and siting"),
    "coverage.cutoff": ("Ngưỡng thời gian (phút)", "Cutoff (minutes)"),
    "coverage.profile": ("Phương tiện", "Profile"),
    "coverage.kinds": ("Loại điểm phục vụ", "Office kinds"),
    "coverage.choropleth": (
        "Tỷ lệ dân được phục vụ theo xã",
        "Share of population served by commune",
    ),
    "coverage.gaps_title": ("Xã phục vụ kém nhất", "Worst-served communes"),
    "coverage.share": ("Tỷ lệ phục vụ", "Share served"),
    "coverage.unserved": ("Dân chưa phục vụ", "Unserved people"),
    "coverage.time_min": ("Thời gian TB (phút)", "Mean time (min)"),
    "coverage.service_areas": ("Hiện vùng phục vụ", "Show service areas"),
    "coverage.candidates_title": ("Điểm đề xuất", "Candidate sites"),
    "coverage.click_hint": (
        "Bấm lên bản đồ để thêm điểm đề xuất, hoặc chọn xã trong danh sách.",
        "Click the map to add a candidate site, or pick communes from the list.",
    ),
    "coverage.add_clicked": (
        "Thêm điểm vừa bấm ({lat:.4f}, {lon:.4f})",
        "Add clicked point ({lat:.4f}, {lon:.4f})",
    ),
    "coverage.from_list": ("Thêm điểm tại trung tâm xã", "Add a site at a commune point"),
    "coverage.clear": ("Xóa các điểm đề xuất", "Clear candidates"),
    "coverage.n_new": ("Số điểm mới cần chọn", "New sites to pick"),
    "coverage.run_siting": ("Chọn điểm", "Run siting"),
    "coverage.use_all_communes": (
        "Dùng mọi điểm trung tâm xã làm ứng viên nếu chưa có điểm đề xuất",
        "Use every commune point as a candidate when none is given",
    ),
    "coverage.before": ("Trước", "Before"),
    "coverage.after": ("Sau", "After"),
    "coverage.served_pct": ("Dân được phục vụ", "Population served"),
    "coverage.chosen": ("Điểm được chọn", "Chosen sites"),
    "coverage.computing": ("Đang tính vùng phục vụ…", "Computing coverage…"),
    "coverage.siting_running": ("Đang chọn điểm…", "Siting…"),
    "coverage.no_candidates": ("Chưa có điểm đề xuất.", "No candidate sites yet."),
    "coverage.no_kinds": (
        "Chọn ít nhất một loại điểm phục vụ.",
        "Choose at least one office kind.",
    ),
    "coverage.people_covered": ("Số dân được phục vụ", "People covered"),
    "coverage.mean_time": ("Thời gian trung bình", "Mean travel time"),
    "coverage.min": ("phút", "min"),
    "coverage.site_id": ("Mã điểm", "Site id"),
    "coverage.lat": ("Vĩ độ", "Latitude"),
    "coverage.lon": ("Kinh độ", "Longitude"),
    "coverage.of_total": ("trên tổng {total} người (WorldPop)", "of {total} people (WorldPop)"),
    "coverage.points": ("điểm %", "pp"),
    "coverage.unreachable": ("Dân không tới được", "People who cannot reach"),
    "coverage.population_note": (
        "Dân số theo lưới WorldPop 2020 (ước tính mô hình, 1 km); thời gian đi từ tâm ô "
        "lưới tới điểm phục vụ gần nhất trên mạng đường.",
        "People from the WorldPop 2020 grid (a modelled estimate, 1 km); time from each "
        "cell centre to the nearest office on the road network.",
    ),
    "coverage.clicked_name": (
        "Điểm chọn trên bản đồ ({lat:.4f}, {lon:.4f})",
        "Map point ({lat:.4f}, {lon:.4f})",
    ),
    "coverage.no_click": ("Chưa bấm điểm nào trên bản đồ.", "No point clicked on the map yet."),
    "coverage.add_commune": ("Thêm xã này", "Add this commune"),
    "coverage.model": ("Mô hình", "Model"),
    "coverage.model_mclp": ("Phủ tối đa (MCLP)", "Maximal covering (MCLP)"),
    "coverage.model_pmedian": ("Thời gian TB nhỏ nhất (p-median)", "Least mean time (p-median)"),
    "coverage.before_after": ("Trước và sau khi mở điểm mới", "Before and after the new sites"),
    "coverage.siting_note": (
        "Mô hình {model}, trạng thái {status}, {seconds} giây; thuật toán tham lam chọn: {greedy}.",
        "Model {model}, status {status}, {seconds} s; the greedy baseline picks: {greedy}.",
    ),
    "coverage.scenario_title": ("Kịch bản đã lưu", "Saved scenarios"),
    "coverage.scenario_name": ("Tên kịch bản", "Scenario name"),
    "coverage.scenario_default": ("Kịch bản {minutes} phút", "Scenario {minutes} min"),
    "coverage.scenario_author": ("Người lưu", "Saved by"),
    "coverage.scenario_save": ("Lưu kịch bản", "Save the scenario"),
    "coverage.scenario_saved": (
        "Đã lưu kịch bản «{name}», phiên bản {version}.",
        "Saved the scenario '{name}', version {version}.",
    ),
    "coverage.scenario_taken": (
        "Không lưu: tên «{name}» đã thuộc về một kịch bản khác (#{id}, phiên bản {version}, "
        "do {author} lưu lúc {when}). Hãy chọn tên khác, hoặc mở kịch bản đó trước rồi lưu "
        "thành phiên bản mới.",
        "Not saved: the name '{name}' belongs to another scenario (#{id}, version {version}, "
        "saved by {author} at {when}). Choose another name, or open that scenario first and "
        "save a new version of it.",
    ),
    "coverage.scenario_conflict": (
        "Không lưu: kịch bản «{name}» đã có phiên bản {version} do {author} lưu lúc {when} "
        "(giờ Việt Nam), mới hơn phiên bản {opened} đang mở. Không có gì bị ghi đè: hãy "
        "mở lại kịch bản, làm lại thay đổi rồi lưu.",
        "Not saved: the scenario '{name}' has a version {version} saved by {author} at {when} "
        "(Vietnam time), newer than the version {opened} you opened. Nothing was "
        "overwritten: open the scenario again, redo your changes and save.",
    ),
    "coverage.scenario_not_app": (
        "đây không phải kịch bản vùng phục vụ do ứng dụng lưu",
        "this stored object is not a coverage scenario saved by the app",
    ),
    "coverage.scenario_lacks": ("kịch bản thiếu {keys}", "the scenario lacks {keys}"),
    "coverage.scenario_bad_fields": (
        "kịch bản có giá trị sai kiểu ở {keys}",
        "the scenario has values of the wrong type in {keys}",
    ),
    "coverage.scenario_pick": ("Kịch bản", "Scenario"),
    "coverage.scenario_open": ("Mở kịch bản", "Open the scenario"),
    "coverage.scenario_none": ("Chưa có kịch bản nào được lưu.", "No scenario has been saved yet."),
    "coverage.scenario_opened": (
        "Đang dùng kịch bản đã lưu «{name}» (phiên bản {version}).",
        "Using the saved scenario '{name}' (version {version}).",
    ),
    "coverage.scenario_bad": (
        "Không mở được kịch bản: {error}",
        "Could not open the scenario: {error}",
    ),
    "coverage.scenario_siting": (
        "Kết quả chọn điểm đã lưu ({model}): chọn {chosen}; dân được phục vụ {before} → "
        "{after}. Bấm «Chọn điểm» để tính lại trên dữ liệu hiện tại.",
        "Saved siting result ({model}): chose {chosen}; population served {before} → {after}. "
        "Press 'Run siting' to compute it again on the current data.",
    ),
    "coverage.candidate_source": (
        "Nguồn: «user» = điểm bấm trên bản đồ; «geocoded» = điểm xã đã mã hóa địa lý; "
        "«estimated» = điểm xã ước tính bên trong xã (điểm gốc sai), vẽ viền đứt.",
        "Source: 'user' = a point clicked on the map; 'geocoded' = the commune's geocoded "
        "point; 'estimated' = an estimated point inside the commune (the geocoded one was "
        "wrong), drawn with a dashed outline.",
    ),
}


def current_lang() -> str:
    """Return the active language code (``"vi"`` unless the English toggle is on)."""
    try:
        lang = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    except Exception:  # outside a Streamlit run
        lang = DEFAULT_LANG
    return lang if lang in LANGUAGES else DEFAULT_LANG


def t(key: str, *, lang: str | None = None, **fmt: Any) -> str:
    """Translate ``key`` into the active language and fill its placeholders.

    Parameters
    ----------
    key
        A key of :data:`STRINGS`; an unknown key is returned as is so that a missing
        translation shows up on screen instead of failing.
    lang
        Force a language (``"vi"`` or ``"en"``); default the session's.
    **fmt
        Values for the ``{name}`` placeholders.
    """
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[LANGUAGES.index(lang or current_lang())]
    text = unicodedata.normalize("NFC", text)
    return text.format(**fmt) if fmt else text


def language_toggle() -> None:
    """Draw the sidebar English toggle (Vietnamese is the default).

    The choice lives in the session and in the URL (``?lang=en``), so a reload keeps it.
    """

    def _sync() -> None:
        lang = "en" if st.session_state.get("lang_toggle") else "vi"
        st.session_state[LANG_KEY] = lang
        if lang == DEFAULT_LANG:
            st.query_params.pop("lang", None)
        else:
            st.query_params["lang"] = lang

    if LANG_KEY not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state[LANG_KEY] = wanted if wanted in LANGUAGES else DEFAULT_LANG
    st.sidebar.toggle(
        t("app.english"),
        value=st.session_state[LANG_KEY] == "en",
        key="lang_toggle",
        on_change=_sync,
    )


def lkey(key: str) -> str:
    """Return a widget key that changes with the language.

    A widget whose options are shown through a translated ``format_func`` must be drawn
    afresh when the language changes (the browser keeps the old labels otherwise and loses
    the selection). Vietnamese keeps the plain key; pair it with :func:`kept` and
    :func:`keep` so the choice survives the switch.
    """
    lang = current_lang()
    return key if lang == DEFAULT_LANG else f"{key}__{lang}"


def option_labels(keys: dict[Any, str]) -> Any:
    """Return a ``format_func`` showing each option by its translation key.

    The language is fixed when the widget is drawn, so the labels match its key
    (:func:`lkey`) even when the function is called outside the script run (AppTest).
    """
    lang = current_lang()
    return lambda value: t(keys[value], lang=lang) if value in keys else str(value)


def kept(key: str, default: Any) -> Any:
    """Return the last value :func:`keep` stored for ``key`` (``default`` before any)."""
    return st.session_state.get(f"_keep_{key}", default)


def keep(key: str, value: Any) -> Any:
    """Remember a widget's value across language switches; return it unchanged."""
    st.session_state[f"_keep_{key}"] = value
    return value


def fmt_date(day: dt.date) -> str:
    """Format a date as dd/mm/yyyy (both languages)."""
    return day.strftime("%d/%m/%Y")


def fmt_clock(seconds: float | None) -> str:
    """Format seconds since midnight as 24-hour ``HH:MM`` (``—`` for None/NaN)."""
    if seconds is None or seconds != seconds:
        return "—"
    total_min = round(float(seconds) / 60.0)
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


def fmt_number(value: float, *, decimals: int = 0, lang: str | None = None) -> str:
    """Format a number with the language's separators (vi ``540.438,5``; en ``540,438.5``)."""
    text = f"{value:,.{decimals}f}"
    if (lang or current_lang()) == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_delta(value: float, *, decimals: int = 0, lang: str | None = None) -> str:
    """Format a change with its sign (``+2,5`` / ``−1,0``; ``0`` without a sign)."""
    text = fmt_number(abs(value), decimals=decimals, lang=lang)
    if round(value, decimals) == 0:
        return fmt_number(0.0, decimals=decimals, lang=lang)
    return ("+" if value > 0 else "−") + text


def fmt_pct(share: float, *, decimals: int = 1, lang: str | None = None) -> str:
    """Format a share (0–1) as a percentage with the language's decimal mark (``72,8 %``)."""
    return fmt_number(share * 100.0, decimals=decimals, lang=lang) + " %"


def source_label(source: str) -> str:
    """Human label of a ``source`` value (``osm``, ``estimated``, ``simulated`` …)."""
    key = f"source.{source}"
    return t(key) if key in STRINGS else str(source)


def kind_label(kind: str) -> str:
    """Human label of an office kind."""
    key = f"kind.{kind}"
    return t(key) if key in STRINGS else str(kind)
