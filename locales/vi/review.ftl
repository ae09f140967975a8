## Cán bộ xét đơn gia nhập; người lao động nhận kết quả và thẻ đoàn viên.

review-back = ⬅️ Quay lại
review-cancel = ✖️ Hủy
review-keep = ✔️ Giữ nguyên
review-current-value = Hiện tại: <b>{ $value }</b>
review-stale-button = Nút này thuộc tin nhắn cũ. Vui lòng dùng tin nhắn mới nhất.
review-use-buttons = Vui lòng bấm một trong các nút bên dưới.
review-text-only = Vui lòng trả lời bằng chữ.
review-cancelled = Đã hủy, đơn vẫn giữ nguyên như trước.
review-skip = ⏭ Bỏ qua

review-queue-title = <b>Đơn chờ xét: { $total }</b>
review-queue-line = • { $unit }: { $count }
review-queue-empty = Không có đơn nào đang chờ xét trong đơn vị của bạn.
review-queue-done = Đã xét hết các đơn đang chờ. Cảm ơn bạn!
review-not-found = Không tìm thấy đơn này. Vui lòng gõ đúng mã đơn, ví dụ: /application DV-2026-000123
review-card =
    <b>Đơn { $reference }</b> — đã chờ { $days } ngày
    👤 Họ tên: { $full_name }
    🎂 Ngày sinh: { $birth_date }
    ⚧ Giới tính: { $gender }
    📱 Điện thoại: { $phone }
    🪪 CCCD / thẻ căn cước: { $citizen_id }
    🏭 Nơi làm việc: { $workplace } ({ $union })
    🔧 Công việc: { $job }
    📥 Đơn vị tiếp nhận: { $unit } — { $routing }
review-enterprise-has-union = đã có CĐCS: { $union }
review-enterprise-no-union = chưa có CĐCS
review-enterprise-unlisted = không có trong danh bạ doanh nghiệp
review-routing-grassroots-union = CĐCS của doanh nghiệp
review-routing-upper-union = công đoàn cấp trên của phường, xã nơi doanh nghiệp hoạt động
review-routing-root = không xác định được đơn vị, chuyển về cấp tỉnh
review-routing-rerouted = được cán bộ chuyển đến
review-duplicates = ⚠️ Trùng số điện thoại hoặc CCCD với đơn: { $references }
review-question-line = ❓ { $when } cán bộ hỏi: { $text }
review-answer-line = 💬 { $when } người lao động trả lời: { $text }

review-approve = ✅ Công nhận
review-reject = ❌ Không chấp nhận
review-more = ❓ Hỏi thêm
review-reroute = ↪️ Chuyển đơn vị
review-next = ⏭ Đơn tiếp theo
review-reverse = ↩️ Hủy quyết định

review-approved = ✅ Đã công nhận { $name } là đoàn viên, số thẻ { $number }.
review-rejected = Đã gửi thông báo không chấp nhận đơn { $reference }.
review-asked = Đã gửi câu hỏi về đơn { $reference }. Đơn sẽ quay lại hàng chờ khi người lao động trả lời.
review-rerouted = Đã chuyển đơn { $reference } đến { $unit }.
review-reversed = Đã hủy quyết định về đơn { $reference }; đơn quay lại hàng chờ.
review-already-decided = Đơn { $reference } đã được { $who } quyết định lúc { $when }.

review-ask-reject-reason = Vì sao không chấp nhận đơn này?
review-ask-reject-note = Bạn có muốn nhắn thêm cho người lao động không? Gõ lời nhắn, hoặc bấm “Bỏ qua”.
review-ask-reject-explain = Vui lòng ghi rõ lý do để người lao động hiểu.
reject-reason-not-employed = Không làm việc tại nơi đã khai
reject-reason-duplicate = Đơn trùng với đơn khác
reject-reason-under-age = Chưa đủ tuổi
reject-reason-not-eligible = Chưa đủ điều kiện gia nhập
reject-reason-other = Lý do khác
review-ask-question = Bạn muốn hỏi người lao động điều gì? Gõ câu hỏi, họ sẽ nhận được ngay.
review-ask-unit = Chuyển đơn đến đơn vị nào? Gõ tên CĐCS hoặc công đoàn cấp trên.
review-unit-results = Kết quả cho “{ $query }”. Vui lòng chọn đơn vị:
review-unit-none = Không tìm thấy đơn vị nào tên “{ $query }”. Vui lòng gõ lại.
review-ask-reverse-reason = Vì sao hủy quyết định này? Người lao động sẽ được báo.
review-ask-answer = Vui lòng gõ câu trả lời cho cán bộ Công đoàn.

worker-approved =
    🎉 <b>Chúc mừng! Bạn đã được kết nạp vào Công đoàn Việt Nam.</b>
    Số thẻ đoàn viên: <b>{ $number }</b>
    Bạn sinh hoạt tại: { $union }.
    Thẻ đoàn viên của bạn ở ngay bên dưới; bạn có thể xem lại trong “Đơn của tôi”.
worker-card-caption = 🪪 Thẻ đoàn viên số { $number }. Quét mã QR để kiểm tra thẻ.
worker-rejected =
    Đơn { $reference } của bạn chưa được chấp nhận.
    Lý do: { $reason }
    { $note }
    Nếu có thắc mắc, bạn có thể gửi đơn mới hoặc hỏi cán bộ Công đoàn.
worker-question =
    ❓ Cán bộ Công đoàn cần bạn bổ sung thông tin cho đơn { $reference }:
    “{ $question }”
    Bấm “Trả lời cán bộ” để trả lời.
worker-reply = ✍️ Trả lời cán bộ
worker-answer-sent = ✅ Đã gửi câu trả lời của bạn. Cán bộ Công đoàn sẽ xem tiếp đơn của bạn.
worker-nothing-to-answer = Hiện không có câu hỏi nào cần bạn trả lời.
worker-rerouted = Đơn { $reference } của bạn đã được chuyển đến { $unit } để xét.
worker-reversed = Quyết định về đơn { $reference } của bạn đã được hủy; đơn đang được xét lại. Chúng tôi sẽ báo kết quả cho bạn.
worker-no-card = Bạn chưa có thẻ đoàn viên.

card-title = THẺ ĐOÀN VIÊN CÔNG ĐOÀN
card-number-label = Số thẻ
card-union-label = Sinh hoạt tại
card-since-label = Ngày kết nạp
verify-valid = ✅ Thẻ hợp lệ: đoàn viên của { $union }.
verify-invalid = ❌ Thẻ không hợp lệ.
verify-record =
    ✅ Thẻ hợp lệ.
    👤 { $name }
    🪪 Số thẻ: { $number }
    🏢 { $union }, từ ngày { $since }
