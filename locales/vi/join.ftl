join-ask-consent =
    <b>Đồng ý cho sử dụng thông tin cá nhân</b>
    Để làm đơn gia nhập Công đoàn, chúng tôi cần: họ tên, ngày sinh, giới tính, số điện thoại, số CCCD (có thể bỏ qua), nơi làm việc và công việc của bạn.
    • <b>Mục đích:</b> chỉ để xét kết nạp bạn vào Công đoàn và liên hệ với bạn về đơn.
    • <b>Ai được xem:</b> chỉ cán bộ Công đoàn tiếp nhận đơn. Doanh nghiệp nơi bạn làm việc <b>không</b> được biết.
    • <b>Rút lại:</b> bạn có thể xem hoặc xóa thông tin bất cứ lúc nào trong mục “Dữ liệu của tôi”.
    Theo Luật Bảo vệ dữ liệu cá nhân (Luật số 91/2025/QH15). Nếu bạn không đồng ý, chúng tôi không lưu gì cả.
join-consent-agree = ✅ Tôi đồng ý
join-consent-decline = ❌ Tôi không đồng ý
join-consent-declined = Bạn đã không đồng ý nên chúng tôi không lưu thông tin nào. Bạn có thể đăng ký lại bất cứ lúc nào.
join-progress = <i>Bước { $step }/{ $total }</i>
join-ask-full-name = Họ và tên đầy đủ của bạn là gì? (ví dụ: Nguyễn Thị Lan)
join-name-single-word = Bạn chỉ nhập “{ $name }”. Vui lòng nhập đầy đủ cả họ và tên, ví dụ: Nguyễn Thị Lan. Nếu tên bạn chỉ có một chữ, hãy gửi lại đúng chữ đó.
join-ask-birth-date = Ngày sinh của bạn? Vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 25/03/1998.
join-ask-gender = Giới tính của bạn?
join-ask-phone = Số điện thoại di động của bạn? Bấm nút “Gửi số điện thoại” bên dưới hoặc gõ số, ví dụ 0912 345 678.
join-ask-citizen-id = Số Căn cước công dân (CCCD, 12 chữ số)? Nếu chưa tiện, bạn có thể bấm “Bỏ qua”.
join-citizen-id-check = Số CCCD { $citizen_id } có vẻ không khớp với ngày sinh hoặc giới tính bạn đã nhập (chữ số thứ 4 cho biết giới tính và thế kỷ sinh, chữ số thứ 5–6 là năm sinh). Vui lòng kiểm tra lại; nếu số đúng, hãy gửi lại số đó.
join-ask-workplace = Bạn đang làm việc ở đâu? Gõ tên công ty hoặc mã số thuế, ví dụ: may 10.
join-ask-employer-name = Vui lòng gõ tên công ty hoặc nơi bạn làm việc.
join-ask-employer-ward = Nơi làm việc thuộc xã, phường nào? Gõ tên, ví dụ: Tân Phong.
join-ask-job = Công việc hoặc chức vụ của bạn? (ví dụ: công nhân may, lái xe, kế toán)
join-current-value = Hiện tại: <b>{ $value }</b>
join-enterprise-label = { $name } (MST { $tax_code })
join-back = ⬅️ Quay lại
join-cancel = ✖️ Hủy
join-skip = ⏭ Bỏ qua
join-keep = ✔️ Giữ nguyên
join-share-phone = 📱 Gửi số điện thoại
join-phone-saved = Đã nhận số điện thoại { $phone }.
join-phone-not-own = Vui lòng gửi số điện thoại của chính bạn (bấm nút “Gửi số điện thoại”).
join-ward-unknown = 🤷 Tôi không biết
join-workplace-not-listed = ➕ Không có trong danh sách
join-workplace-results = Kết quả cho “{ $query }”. Vui lòng chọn nơi bạn làm việc, hoặc gõ tên khác để tìm lại:
join-workplace-none = Không tìm thấy “{ $query }”. Hãy gõ lại tên khác, hoặc bấm “Không có trong danh sách”.
join-workplace-gone = Không tìm thấy doanh nghiệp này nữa. Vui lòng tìm lại.
join-ward-results = Kết quả cho “{ $query }”. Vui lòng chọn xã, phường:
join-ward-none = Không tìm thấy xã, phường “{ $query }”. Hãy gõ lại, hoặc bấm “Tôi không biết”.
join-ward-gone = Không tìm thấy xã, phường này. Vui lòng tìm lại.
gender-male = Nam
gender-female = Nữ
gender-other = Khác
join-summary =
    <b>Vui lòng kiểm tra lại thông tin:</b>
    👤 Họ tên: { $full_name }
    🎂 Ngày sinh: { $birth_date }
    ⚧ Giới tính: { $gender }
    📱 Điện thoại: { $phone }
    🪪 CCCD / thẻ căn cước: { $citizen_id }
    🏭 Nơi làm việc: { $workplace }
    🔧 Công việc: { $job }
    Nếu cần sửa, bấm vào mục tương ứng. Nếu đúng, bấm “Gửi đơn”.
join-summary-empty = (chưa có)
join-summary-skipped = (bỏ qua)
join-edit-full-name = ✏️ Họ tên
join-edit-birth-date = ✏️ Ngày sinh
join-edit-gender = ✏️ Giới tính
join-edit-phone = ✏️ Điện thoại
join-edit-citizen-id = ✏️ CCCD / thẻ căn cước
join-edit-workplace = ✏️ Nơi làm việc
join-edit-job = ✏️ Công việc
join-submit = 📨 Gửi đơn
join-submitted =
    ✅ <b>Đã gửi đơn gia nhập Công đoàn.</b>
    Mã đơn của bạn: <b>{ $reference }</b>
    Đơn được chuyển tới: { $unit }.
    Cán bộ Công đoàn sẽ xem xét và báo kết quả cho bạn ngay tại đây. Bạn có thể xem tình trạng đơn trong mục “Đơn của tôi”.
join-incomplete = Đơn còn thiếu thông tin. Vui lòng trả lời câu hỏi này.
join-no-units = Hệ thống chưa sẵn sàng nhận đơn. Vui lòng thử lại sau.
join-already-pending = Bạn đã có một đơn đang chờ xét, không cần gửi thêm đơn mới.
join-resume = Bạn có một đơn đang điền dở. Bạn muốn làm tiếp hay bắt đầu lại?
join-resume-continue = ▶️ Làm tiếp
join-resume-restart = 🔄 Bắt đầu lại
join-for-enterprise = Bạn đang đăng ký gia nhập Công đoàn tại: <b>{ $name }</b>.
join-cancelled = Đã hủy. Thông tin bạn vừa nhập đã được xóa.
join-stale-button = Nút này thuộc tin nhắn cũ. Vui lòng trả lời câu hỏi hiện tại.
join-use-buttons = Vui lòng bấm một trong các nút bên dưới.
join-text-only = Vui lòng trả lời bằng chữ.
