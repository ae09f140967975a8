## Số liệu kết nạp trên giấy (cán bộ công đoàn nhập theo tuần hoặc tháng)

menu-figures = 🧮 Nhập số liệu trên giấy

figures-back = ⬅️ Quay lại
figures-cancel = ✖️ Hủy
figures-keep = ✔️ Giữ nguyên
figures-current-value = Hiện tại: <b>{ $value }</b>
figures-stale-button = Nút này thuộc tin nhắn cũ. Vui lòng trả lời câu hỏi hiện tại.
figures-use-buttons = Vui lòng bấm một trong các nút bên dưới.
figures-text-only = Vui lòng trả lời bằng chữ hoặc số.
figures-cancelled = Đã hủy, không có số liệu nào được lưu.
figures-incomplete = Số liệu còn thiếu thông tin. Vui lòng nhập lại mục này.

figures-ask-unit = Số liệu của đơn vị nào? Gõ tên hoặc mã đơn vị, ví dụ: Tân Phong hoặc LC-TP.
figures-unit-results = Kết quả cho “{ $query }”. Vui lòng chọn đơn vị:
figures-unit-none = Không tìm thấy đơn vị “{ $query }” trong phạm vi của bạn. Vui lòng gõ lại.

figures-ask-period = Số liệu của kỳ nào? Chọn bên dưới, hoặc gõ tuần (ví dụ 2026-W47) hay tháng (ví dụ 11/2026).
figures-period-this-week = Tuần này
figures-period-last-week = Tuần trước
figures-period-this-month = Tháng này
figures-period-last-month = Tháng trước
figures-period-week = tuần { $week }/{ $year } ({ $start } – { $end })
figures-period-month = tháng { $month }/{ $year }

figures-ask-admitted = Số đoàn viên <b>kết nạp</b> trên giấy trong kỳ? (chỉ người chưa được công nhận qua bot)
figures-ask-lost = Số đoàn viên <b>giảm</b> trong kỳ?
figures-ask-founded = Số <b>CĐCS thành lập</b> trong kỳ?
figures-ask-founded-large = Trong số CĐCS thành lập, bao nhiêu CĐCS ở doanh nghiệp có <b>từ 25 lao động</b> trở lên?
figures-ask-dissolved = Số <b>CĐCS giải thể</b> trong kỳ?

figures-counts =
    👥 Kết nạp: { $admitted } · giảm: { $lost } · tăng thực: { $net }
    🏭 CĐCS thành lập: { $founded } (DN từ 25 lao động: { $founded_large }) · giải thể: { $dissolved }
figures-summary =
    <b>Vui lòng kiểm tra lại số liệu:</b>
    🏢 Đơn vị: { $unit }
    📅 Kỳ: { $period }
    { $counts }
figures-summary-replaces =
    ⚠️ Kỳ này đã có số liệu. Lưu sẽ <b>thay thế</b> (không cộng dồn) số liệu cũ:
    { $counts }
figures-summary-hint = Nếu cần sửa, bấm vào mục tương ứng. Nếu đúng, bấm “Lưu số liệu”.
figures-edit-unit = ✏️ Đơn vị
figures-edit-period = ✏️ Kỳ
figures-edit-admitted = ✏️ Kết nạp
figures-edit-lost = ✏️ Giảm
figures-edit-founded = ✏️ CĐCS thành lập
figures-edit-founded-large = ✏️ DN từ 25 lao động
figures-edit-dissolved = ✏️ CĐCS giải thể
figures-save = ✅ Lưu số liệu

figures-saved =
    ✅ Đã lưu số liệu của <b>{ $unit }</b>, { $period }:
    { $counts }
figures-replaced =
    Số liệu này thay thế số liệu đã nhập trước đó:
    { $counts }
figures-unchanged = Số liệu giống hệt lần nhập trước, không có gì thay đổi.

## Lý do từ chối một dòng khi nhập tệp (doanvien import figures)

figures-import-missing = Ô này không được để trống.
figures-import-unknown-unit = Không có đơn vị nào có mã hoặc tên này; xem danh sách bằng lệnh doanvien units.
figures-import-ambiguous-unit = Nhiều đơn vị trùng tên này ({ $codes }); vui lòng ghi mã đơn vị.
figures-import-duplicate = Trùng với dòng { $line }: mỗi đơn vị và kỳ chỉ lấy dòng đầu tiên.
