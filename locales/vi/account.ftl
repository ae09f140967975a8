application-status =
    <b>Đơn { $reference }</b>
    Ngày gửi: { $submitted }
    Nơi tiếp nhận: { $unit }
    Tình trạng: <b>{ $status }</b>
application-reason = Ghi chú của cán bộ: { $reason }
application-none = Bạn chưa có đơn nào. Bấm “Gia nhập Công đoàn” để đăng ký.
status-submitted = ⏳ Đã gửi, đang chờ xét
status-more-info = ❗ Cần bổ sung thông tin
status-approved = ✅ Đã được kết nạp
status-rejected = ❌ Chưa được chấp nhận
privacy-account =
    <b>Dữ liệu chúng tôi lưu về bạn</b>
    Tài khoản: { $channel } (mã { $chat_id }), ngôn ngữ: { $language }, từ ngày { $since }.
privacy-application =
    <b>Đơn { $reference }</b>
    Họ tên: { $full_name }
    Ngày sinh: { $birth_date }
    Giới tính: { $gender }
    Điện thoại: { $phone }
    CCCD / thẻ căn cước: { $citizen_id }
    Nơi làm việc: { $workplace }
    Công việc: { $job }
    Đồng ý sử dụng dữ liệu lúc: { $consent }
privacy-draft =
    <b>Đơn đang điền dở (chưa gửi)</b>
    Họ tên: { $full_name }
    Ngày sinh: { $birth_date }
    Giới tính: { $gender }
    Điện thoại: { $phone }
    CCCD / thẻ căn cước: { $citizen_id }
    Nơi làm việc: { $workplace }
    Công việc: { $job }
privacy-nothing-else = Ngoài ra chúng tôi không lưu gì khác về bạn.
privacy-delete = 🗑 Xóa dữ liệu của tôi
privacy-delete-confirm = Bạn có chắc muốn xóa toàn bộ dữ liệu? Đơn đang chờ xét sẽ bị hủy. Việc này không thể hoàn tác.
privacy-delete-yes = 🗑 Có, xóa hết
privacy-delete-no = Không, giữ lại
privacy-deleted = Đã xóa dữ liệu của bạn. Chúng tôi chỉ giữ lại số liệu thống kê không có tên.
privacy-display-name = Tên hiển thị (cho đồng nghiệp trong công đoàn): { $name }
channel-telegram = Telegram
channel-console = thử nghiệm trên máy tính (console)
application-reject-reason = Lý do: { $reason }
application-member = 🪪 Số thẻ đoàn viên: <b>{ $number }</b> — { $union }, từ ngày { $since }.
application-question-waiting = Cán bộ Công đoàn cần bạn bổ sung thông tin. Bấm “Trả lời cán bộ” để trả lời.
