## Sau khi gia nhập: chuyển sinh hoạt khi đổi việc, hỏi Công đoàn, ra khỏi Công đoàn.

menu-membership = 🪪 Đoàn viên của tôi
menu-ask = 💬 Hỏi Công đoàn
menu-questions = 💬 Câu hỏi của NLĐ
menu-transfers = 🔁 Chuyển sinh hoạt
cmd-ask = Hỏi Công đoàn

membership-back = ⬅️ Quay lại
membership-cancel = ✖️ Hủy
membership-keep = ✔️ Giữ nguyên
membership-current-value = Hiện tại: <b>{ $value }</b>
membership-stale-button = Nút này thuộc tin nhắn cũ. Vui lòng dùng tin nhắn mới nhất.
membership-use-buttons = Vui lòng bấm một trong các nút bên dưới.
membership-text-only = Vui lòng trả lời bằng chữ.
membership-cancelled = Đã hủy, không có gì thay đổi.

membership-none = Bạn chưa là đoàn viên. Bấm “Gia nhập Công đoàn” để đăng ký nhé.
membership-card =
    <b>Đoàn viên của tôi</b>
    🪪 Số thẻ: { $number }
    🏢 Sinh hoạt tại: { $union }
    📅 Ngày kết nạp: { $since }
membership-transfer-waiting = 🔁 Đang chờ { $union } nhận chuyển sinh hoạt.
membership-changed-job = 🔁 Tôi đã đổi chỗ làm
membership-leave = 🚪 Ra khỏi Công đoàn

transfer-ask-workplace = Bạn đang làm việc ở đâu? Gõ tên công ty mới hoặc mã số thuế, ví dụ: may 10.
transfer-confirm =
    Nơi làm việc mới: <b>{ $workplace }</b>
    Bạn sẽ chuyển sinh hoạt về: <b>{ $union }</b>.
    Số thẻ đoàn viên của bạn giữ nguyên. Gửi đề nghị?
transfer-send = ✅ Gửi đề nghị
transfer-sent = ✅ Đã gửi đề nghị chuyển sinh hoạt đến { $union }. Chúng tôi sẽ báo khi có kết quả.
transfer-already-waiting = Đề nghị chuyển sinh hoạt về { $union } của bạn đang chờ xét. Vui lòng chờ kết quả.
transfer-same-union = Nơi làm việc mới vẫn thuộc { $union }. Bạn không cần chuyển sinh hoạt.
transfer-accepted =
    ✅ { $union } đã nhận bạn chuyển sinh hoạt.
    Số thẻ đoàn viên giữ nguyên: <b>{ $number }</b>. Thẻ mới ở ngay bên dưới.
transfer-declined = { $union } chưa nhận đề nghị chuyển sinh hoạt của bạn. Bạn vẫn là đoàn viên của Công đoàn cũ. Nếu cần, hãy bấm “Hỏi Công đoàn”.

leave-ask-reason = Vì sao bạn muốn ra khỏi Công đoàn?
leave-reason-left-job = Nghỉ việc
leave-reason-retired = Nghỉ hưu
leave-reason-personal = Lý do cá nhân
leave-reason-other = Lý do khác
leave-confirm =
    Bạn chắc chắn muốn ra khỏi Công đoàn?
    Thẻ số { $number } ({ $union }) sẽ hết hiệu lực.
leave-yes = 🚪 Có, tôi muốn ra khỏi Công đoàn
leave-no = ↩️ Không, tôi ở lại
leave-stayed = Cảm ơn bạn đã ở lại với Công đoàn! 💙
leave-done = Bạn đã ra khỏi { $union } từ ngày { $date }. Thẻ đoàn viên không còn hiệu lực. Bạn có thể gia nhập lại bất cứ lúc nào.

question-ask-text = Bạn muốn hỏi gì về quyền lợi, pháp luật lao động hay chế độ? Vui lòng gõ câu hỏi, cán bộ Công đoàn sẽ trả lời.
question-sent = ✅ Đã gửi câu hỏi đến { $unit }. Câu trả lời sẽ được gửi cho bạn tại đây.
question-quoted = Câu hỏi: “{ $text }”
question-ask-answer = Vui lòng gõ câu trả lời. Người lao động sẽ nhận được ngay.
question-answered =
    💬 Công đoàn trả lời câu hỏi của bạn:
    “{ $question }”
    { $answer }

questions-none = Không có câu hỏi nào đang chờ trả lời.
questions-done = Đã xem hết các câu hỏi đang chờ.
questions-title = <b>Câu hỏi chờ trả lời: { $total }</b>, quá 2 ngày: { $stale }
questions-stale-line = ⚠️ { $unit }, hỏi ngày { $asked }
questions-stale-flag = ⚠️ <b>Đã chờ quá 2 ngày</b>
questions-card =
    <b>Câu hỏi gửi { $unit }</b> — { $asked }
    👤 { $asker }
    { $text }
questions-from-worker = Người lao động (chưa là đoàn viên)
questions-from-member = { $name }, đoàn viên số { $number } ({ $union })
questions-answer = ✍️ Trả lời
questions-next = ⏭ Câu tiếp theo
questions-answer-sent = ✅ Đã gửi câu trả lời.
questions-already-answered = Câu hỏi này đã được { $who } trả lời lúc { $when }.

transfers-none = Không có đề nghị chuyển sinh hoạt nào đang chờ.
transfers-done = Đã xem hết các đề nghị chuyển sinh hoạt.
transfers-card =
    <b>Đề nghị chuyển sinh hoạt</b> (đang chờ: { $total })
    👤 { $name }, số thẻ { $number }
    🏢 Đang sinh hoạt tại: { $from_union }
    🏭 Nơi làm việc mới: { $workplace }
    📥 Chuyển về: { $to_union }
    📅 Ngày đề nghị: { $requested }
transfers-accept = ✅ Tiếp nhận
transfers-decline = ❌ Không tiếp nhận
transfers-next = ⏭ Đề nghị tiếp theo
transfers-accepted = ✅ Đã tiếp nhận { $name }.
transfers-declined = Đã báo { $name } là chưa tiếp nhận.
transfers-already-decided = Đề nghị này đã được { $who } quyết định lúc { $when }.

question-in-my-data =
    <b>Câu hỏi gửi Công đoàn</b> ({ $asked }), đang chờ trả lời:
    “{ $text }”
question-in-my-data-answered =
    <b>Câu hỏi gửi Công đoàn</b> ({ $asked }):
    “{ $text }”
    Trả lời: { $answer }

question-new-officer = 💬 Có người lao động gửi câu hỏi tới { $unit }. Bấm nút bên dưới để xem và trả lời.
transfer-new-officer = 🔁 Có đoàn viên xin chuyển sinh hoạt về { $unit }. Bấm nút bên dưới để xem và quyết định.
