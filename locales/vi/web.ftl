## Xuất báo cáo (XLSX, CSV) và trang công khai tiến độ.

export-progress-sheet = Tiến độ
export-progress-title = Tiến độ phát triển đoàn viên và thành lập CĐCS — kỳ { $period }
export-progress-as-of = Số liệu đến ngày { $date }
export-col-row = STT
export-col-unit-code = Mã đơn vị
export-col-unit-name = Tên đơn vị
export-col-unit-kind = Loại đơn vị
export-col-base-members = Số đoàn viên (đầu kỳ)
export-col-base-non-members = Số CNLĐ chưa là đoàn viên
export-col-base-enterprises = Số DN từ 6 LĐ chưa có CĐCS
export-col-target-members = Chỉ tiêu kết nạp đoàn viên
export-col-target-unions = Chỉ tiêu thành lập CĐCS
export-col-target-unions-large = Chỉ tiêu CĐCS tại DN từ 25 LĐ
export-col-target-source = Chỉ tiêu giao
export-col-admitted = Kết nạp
export-col-lost = Giảm
export-col-net-members = Tăng thực
export-col-members-percent = % chỉ tiêu đoàn viên
export-col-expected = Cần đạt theo tiến độ
export-col-founded = CĐCS thành lập
export-col-founded-large = Trong đó DN từ 25 LĐ
export-col-dissolved = CĐCS giải thể
export-col-net-unions = CĐCS tăng thực
export-col-unions-percent = % chỉ tiêu CĐCS
export-col-change = So với cùng kỳ (%)
export-target-set = giao trực tiếp
export-target-children = tổng của đơn vị trực thuộc
export-target-none = chưa giao

export-menu = 📊 Xuất báo cáo
export-choose = Chọn báo cáo cần xuất. File Excel gồm các đơn vị thuộc phạm vi của bạn.
    Có thể gõ trực tiếp, ví dụ: <code>/export progress 2026-Q3 csv</code>
export-btn-month = Tiến độ tháng này
export-btn-quarter = Tiến độ quý này
export-btn-half = Tiến độ 6 tháng
export-btn-year = Tiến độ năm nay
export-btn-applications = Danh sách hồ sơ
export-btn-members = Danh sách đoàn viên
export-usage = Xin lỗi, chưa hiểu yêu cầu. Hãy gõ: <code>/export progress|applications|members [kỳ] [xlsx|csv]</code>; kỳ như 2026, 2026-H1, 2026-Q3 hoặc 2026-07.
export-caption-progress = Tiến độ kỳ { $period }: { $rows } đơn vị.
export-caption-applications = Hồ sơ gia nhập ({ $period }): { $rows } hồ sơ. File có dữ liệu cá nhân — vui lòng bảo mật.
export-caption-members = Đoàn viên ({ $period }): { $rows } người. File có dữ liệu cá nhân — vui lòng bảo mật.
export-all-time = toàn bộ

web-title = Tiến độ phát triển đoàn viên
web-heading = Tiến độ phát triển đoàn viên — { $root }
web-period = Kỳ: { $period }
web-week = Tuần { $week } ({ $start } – { $end })
web-updated = Số liệu đến { $time }
web-col-unit = Đơn vị
web-col-admitted = Kết nạp
web-col-lost = Giảm
web-col-net = Tăng thực
web-col-target = Chỉ tiêu
web-col-percent = % chỉ tiêu
web-col-expected = Cần đạt theo tiến độ
web-col-unions = CĐCS thành lập / chỉ tiêu
web-chart-title = Tỷ lệ hoàn thành chỉ tiêu kết nạp đoàn viên
web-chart-pace = Vạch đứt: tiến độ cần đạt hôm nay ({ $percent } %)
web-no-target = chưa giao chỉ tiêu
web-behind = chậm tiến độ
web-switch = English
web-no-units = Chưa có đơn vị nào.
web-bad-period = Kỳ không hợp lệ. Ví dụ: ?period=2026, 2026-H1, 2026-Q3 hoặc 2026-07.
web-json = Dữ liệu dạng JSON
