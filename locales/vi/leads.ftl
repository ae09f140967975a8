## Doanh nghiệp cần vận động của cộng tác viên: báo doanh nghiệp chưa có CĐCS và theo dõi đến khi thành lập.

## Nút chung

lead-back = ⬅️ Quay lại
lead-cancel = ✖️ Hủy
lead-keep = ✔️ Giữ nguyên
lead-skip = ⏭ Bỏ qua
lead-yes = ✅ Có
lead-no = ❌ Không
lead-unknown = chưa rõ
lead-nobody = (chưa có ai)
lead-person = Người dùng #{ $id }
lead-current-value = Hiện tại: <b>{ $value }</b>
lead-stale-button = Nút này thuộc tin nhắn cũ. Vui lòng trả lời câu hỏi hiện tại.
lead-use-buttons = Vui lòng bấm một trong các nút bên dưới.
lead-text-only = Vui lòng trả lời bằng chữ.
lead-cancelled = Đã hủy, không có gì được lưu.
lead-incomplete = Báo cáo còn thiếu thông tin. Vui lòng nhập lại từ đầu.

## Báo doanh nghiệp

lead-ask-tax-code = <b>Báo doanh nghiệp chưa có CĐCS</b>
    Mã số thuế của doanh nghiệp? (10 chữ số, hoặc 13 chữ số nếu là chi nhánh). Nếu không biết, bấm “Không biết MST”.
lead-tax-code-unknown = 🤷 Không biết MST
lead-tax-code-new = Mã số thuế { $tax_code } chưa có trong danh sách doanh nghiệp. Vui lòng cho biết thêm thông tin.
lead-ask-name = Tên doanh nghiệp? (ví dụ: Công ty TNHH May Tân Phong)
lead-ask-address = Địa chỉ của doanh nghiệp? (số nhà, đường, thôn, bản…)
lead-ask-ward = Doanh nghiệp thuộc xã, phường nào? Gõ tên xã, phường, ví dụ: Tân Phong.
lead-ward-results = Kết quả cho “{ $query }”. Vui lòng chọn xã, phường:
lead-ward-none = Không tìm thấy xã, phường “{ $query }” trong địa bàn của bạn. Vui lòng gõ lại.
lead-ward-gone = Không tìm thấy xã, phường này. Vui lòng tìm lại.
lead-ask-workers = Doanh nghiệp có khoảng bao nhiêu lao động? (một số, ví dụ 40)
lead-ask-pays-fee = Doanh nghiệp có đóng kinh phí công đoàn (2% quỹ lương) không?
lead-ask-party-cell = Doanh nghiệp có chi bộ Đảng hoặc tổ chức đoàn thể khác (Đoàn Thanh niên, Hội…) không?
lead-ask-industrial-zone = Doanh nghiệp có nằm trong khu công nghiệp, cụm công nghiệp không?
lead-ask-years = Doanh nghiệp đã hoạt động bao nhiêu năm? (một số, ví dụ 5)
lead-ask-contact = Người liên hệ tại doanh nghiệp? Gõ họ tên, có thể kèm số điện thoại, ví dụ: Nguyễn Văn Bình 0912 345 678. Có thể bấm “Bỏ qua”.
lead-ask-note = Ghi chú thêm? (ví dụ: giám đốc ủng hộ, công nhân làm ca đêm). Có thể bấm “Bỏ qua”.
lead-known-by-name = Doanh nghiệp “{ $name }” ở xã, phường này đã có trong danh sách.
lead-confirm = Doanh nghiệp này có trong danh sách. Vui lòng kiểm tra thông tin và bấm “Báo doanh nghiệp này”.
lead-confirm-yes = ✅ Báo doanh nghiệp này
lead-out-of-scope = Doanh nghiệp “{ $name }” thuộc { $ward }, ngoài địa bàn của bạn. Vui lòng báo cho cán bộ công đoàn phụ trách địa bàn đó, hoặc nhập mã số thuế khác.
lead-has-union = Doanh nghiệp “{ $name }” đã có công đoàn cơ sở: <b>{ $union }</b>. Không cần báo thêm. Cảm ơn bạn!
lead-duplicate = Doanh nghiệp “{ $name }” đã được { $unit } báo ngày { $date } và đang được theo dõi (giai đoạn: { $stage }).
lead-duplicate-offer = Bạn có thể thêm ghi chú cho doanh nghiệp cần vận động đó.
lead-reported =
    ✅ <b>Đã ghi nhận doanh nghiệp { $name }.</b>
    Mã theo dõi: <b>{ $ref }</b>
    Mức ưu tiên: <b>{ $score }</b>/100 — { $reasons }
    Hẹn theo dõi: { $follow_up }
lead-open = 📂 Mở thẻ doanh nghiệp
lead-priority = ⭐ Mức ưu tiên: <b>{ $score }</b>/100 — { $reasons }

## Thông tin doanh nghiệp

lead-enterprise =
    🏭 <b>{ $name }</b>
    🔢 MST: { $tax_code }
    📍 Địa chỉ: { $address }
    🏘 Xã, phường: { $ward }
    👷 Số lao động: { $workers }
    💵 Đóng kinh phí công đoàn: { $pays_fee }
    🚩 Có chi bộ Đảng, đoàn thể khác: { $party_cell }
    🏗 Trong khu, cụm công nghiệp: { $industrial_zone }
    📆 Số năm hoạt động: { $years }
lead-no-tax-code = (chưa có)

## Lý do ưu tiên (nối bằng dấu chấm phẩy)

lead-reason-pays-fee = đóng kinh phí công đoàn nhưng chưa có CĐCS
lead-reason-workers = { $count } lao động
lead-reason-party-cell = có chi bộ Đảng, đoàn thể nhưng chưa có CĐCS
lead-reason-industrial-zone = trong khu, cụm công nghiệp
lead-reason-years = hoạt động { $years } năm chưa có CĐCS
lead-reason-none = chưa có dấu hiệu ưu tiên

## Giai đoạn

lead-stage-new = Mới báo
lead-stage-contacted = Đã liên hệ
lead-stage-mobilizing = Đã lập Ban vận động
lead-stage-founded = Đã thành lập CĐCS
lead-stage-declined = Doanh nghiệp từ chối
lead-stage-closed = Ngừng theo dõi

## Danh sách

lead-list-title = <b>Doanh nghiệp tôi theo dõi</b> ({ $total }) — trang { $page }/{ $pages }
lead-list-unit-title = <b>Doanh nghiệp của đơn vị</b> ({ $total }) — trang { $page }/{ $pages }
lead-list-line = { $number }. <b>{ $name }</b> — { $stage } · ⭐ { $score } · 📅 { $follow_up }
lead-list-empty = Bạn chưa báo doanh nghiệp nào. Bấm “Báo doanh nghiệp” để bắt đầu.
lead-list-unit-empty = Đơn vị của bạn chưa có doanh nghiệp nào được báo.
lead-page-prev = ◀️ Trang trước
lead-page-next = Trang sau ▶️
lead-to-list = 📋 Về danh sách

## Thẻ doanh nghiệp cần vận động

lead-card-title = <b>Doanh nghiệp cần vận động { $ref }</b>
lead-card =
    📌 Giai đoạn: <b>{ $stage }</b>
    ⭐ Mức ưu tiên: <b>{ $score }</b>/100 — { $reasons }
    📅 Hẹn theo dõi: { $follow_up }
    ☎️ Người liên hệ: { $contact }
    🙋 Cộng tác viên: { $collaborator }
    🏢 Đơn vị: { $unit }
lead-moved = Đã chuyển sang giai đoạn “{ $stage }”.
lead-moved-same = Doanh nghiệp cần vận động đang ở giai đoạn “{ $stage }”.
lead-reopen-refused = Doanh nghiệp này đang được theo dõi ở một mục khác, không thể mở lại mục này.
lead-follow-up-in = +{ $days } ngày
lead-follow-up-date = 📅 Chọn ngày
lead-ask-follow-up = Ngày hẹn theo dõi tiếp theo? Vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 15/12/2026.
lead-follow-up-set = Đã hẹn theo dõi ngày { $date }.
lead-add-note = 📝 Thêm ghi chú
lead-ask-note-text = Vui lòng gõ ghi chú (tối đa 500 ký tự).
lead-note-added = Đã thêm ghi chú. Cảm ơn bạn!
lead-history = 📜 Lịch sử
lead-back-to-card = ⬅️ Về thẻ doanh nghiệp
lead-history-title = <b>Lịch sử doanh nghiệp cần vận động { $ref }</b>
lead-history-reported = { $when } — { $who }: báo doanh nghiệp
lead-history-stage = { $when } — { $who }: { $from_stage } → { $to_stage }
lead-history-reassign = { $when } — { $who }: giao từ { $previous } cho { $current }
lead-history-follow-up = { $when } — { $who }: hẹn theo dõi ngày { $date }
lead-history-tax-code = { $when } — { $who }: bổ sung MST { $tax_code }
lead-history-note = { $when } — { $who }: ghi chú “{ $note }”
lead-qr = 🔗 Mã QR / đường link
lead-qr-needs-tax-code = Doanh nghiệp “{ $name }” chưa có mã số thuế. Cần có mã số thuế để tạo đường link và mã QR dán ở cổng doanh nghiệp. Vui lòng bổ sung mã số thuế.
lead-qr-link =
    Đường link đăng ký gia nhập Công đoàn cho công nhân { $name }:
    { $link }
    Người lao động đăng ký qua link này sẽ được ghi nhận cho bạn.
lead-qr-caption = Mã QR cho công nhân { $name }: in và dán ở cổng, nhà ăn, khu nghỉ.
lead-set-tax-code = 🔢 Bổ sung mã số thuế
lead-ask-card-tax-code = Mã số thuế của doanh nghiệp? (10 hoặc 13 chữ số)
lead-tax-code-set = Đã lưu mã số thuế { $tax_code }.
lead-tax-code-taken = Mã số thuế này thuộc doanh nghiệp “{ $name }” trong danh sách. Vui lòng kiểm tra lại.
lead-reassign = 👥 Giao cho cộng tác viên khác
lead-reassign-choose = Giao doanh nghiệp cần vận động này cho cộng tác viên nào?
lead-reassign-none = Chưa có cộng tác viên nào khác phụ trách địa bàn của doanh nghiệp này.
lead-reassign-refused = Người này không còn là cộng tác viên của địa bàn này. Vui lòng chọn người khác.
lead-reassigned = Đã giao doanh nghiệp cần vận động cho { $person }.
