start-greeting =
    Xin chào! 👋 Đây là trợ lý của <b>Công đoàn Việt Nam</b>.
    Tại đây bạn có thể đăng ký gia nhập Công đoàn trong khoảng 2 phút, tìm hiểu quyền lợi của đoàn viên và theo dõi đơn của mình.
    Vui lòng chọn một mục bên dưới.
help =
    <b>Bạn có thể:</b>
    /join — đăng ký gia nhập Công đoàn
    /why — vì sao nên vào Công đoàn
    /status — xem tình trạng đơn
    /ask — hỏi Công đoàn về quyền lợi, pháp luật lao động
    /mydata — xem hoặc xóa thông tin của bạn
    /language — đổi ngôn ngữ
    Khi đang điền đơn, bạn luôn có thể bấm “Quay lại” hoặc “Hủy”, hoặc gửi /cancel.
menu-title = Bạn cần gì ạ? Vui lòng chọn một mục:
menu-join = 📝 Gia nhập Công đoàn
menu-why = ❓ Vì sao nên vào Công đoàn?
menu-my-application = 📄 Đơn của tôi
menu-my-data = 🔒 Dữ liệu của tôi
menu-language = 🌐 Ngôn ngữ / Language
menu-back = ⬅️ Về menu chính
fallback-unknown = Xin lỗi, tôi chưa hiểu ý bạn. Vui lòng chọn một mục bên dưới.
error-apology = Xin lỗi, hệ thống vừa gặp sự cố. Thông tin bạn đã nhập vẫn được giữ. Vui lòng thử lại sau ít phút.
start-link-unknown-enterprise = Không tìm thấy doanh nghiệp trong mã QR này. Bạn vẫn có thể đăng ký và tự chọn nơi làm việc.
language-choose = Vui lòng chọn ngôn ngữ / Please choose a language:
language-vi = 🇻🇳 Tiếng Việt
language-en = 🇬🇧 English
language-set = Đã chuyển sang tiếng Việt.
cmd-start = Bắt đầu, menu chính
cmd-join = Gia nhập Công đoàn
cmd-status = Đơn của tôi
cmd-mydata = Dữ liệu của tôi
cmd-why = Vì sao nên vào Công đoàn?
cmd-language = Đổi ngôn ngữ
cmd-help = Hướng dẫn
why-intro =
    <b>Vì sao nên vào Công đoàn?</b>
    Công đoàn đại diện, bảo vệ quyền và lợi ích hợp pháp của người lao động. Gia nhập là hoàn toàn tự nguyện.
    Chọn một chủ đề để xem thêm:
why-topic-benefits = 🎁 Quyền lợi của đoàn viên
why-topic-activities = 🤝 Công đoàn làm gì cho bạn
why-topic-dues = 💵 Đoàn phí
why-topic-faq = 💬 Câu hỏi thường gặp
why-benefits =
    <b>Quyền lợi của đoàn viên</b>
    • Được <b>tư vấn pháp luật miễn phí</b> về hợp đồng, tiền lương, bảo hiểm, quyền công đoàn.
    • Được Công đoàn đại diện khi có tranh chấp với người sử dụng lao động.
    • Được hỗ trợ khi khó khăn: mất việc, bị nợ lương, tai nạn lao động, ốm đau.
    • Được tham gia các chương trình chăm lo dịp Tết như “Tết Sum vầy”, “Chợ Tết Công đoàn”.
    • Được nghỉ dưỡng, khám sức khỏe, khám tầm soát ung thư cho nữ đoàn viên theo các chương trình của Công đoàn.
why-activities =
    <b>Công đoàn làm gì cho bạn</b>
    • Thương lượng và ký <b>thỏa ước lao động tập thể</b> để có lương, thưởng, phúc lợi tốt hơn quy định tối thiểu.
    • Đối thoại với doanh nghiệp về điều kiện làm việc.
    • Giám sát việc trả lương, đóng bảo hiểm, an toàn lao động.
    • Ở nơi chưa có Công đoàn cơ sở, Công đoàn cấp trên trực tiếp đại diện và bảo vệ bạn.
why-dues =
    <b>Đoàn phí</b>
    • Đoàn viên đóng đoàn phí theo Điều lệ Công đoàn Việt Nam (1% tiền lương, có mức tối đa).
    • Kinh phí công đoàn 2% quỹ lương do <b>doanh nghiệp</b> đóng, không trừ vào lương của bạn.
    • Đoàn phí chủ yếu được giữ lại ở Công đoàn cơ sở để chăm lo cho chính đoàn viên.
why-faq =
    <b>Câu hỏi thường gặp</b>
    <b>Doanh nghiệp có biết tôi đăng ký không?</b> Không. Đơn chỉ gửi tới cán bộ Công đoàn có thẩm quyền.
    <b>Công ty tôi chưa có Công đoàn thì sao?</b> Bạn vẫn gia nhập được: Công đoàn cấp trên sẽ tiếp nhận và quản lý bạn.
    <b>Tôi có thể rút lại thông tin không?</b> Có. Vào “Dữ liệu của tôi” để xem hoặc xóa bất cứ lúc nào.
    <b>Bao lâu thì có kết quả?</b> Cán bộ Công đoàn sẽ xem xét và báo kết quả cho bạn ngay tại đây.
menu-review = 📋 Xét đơn gia nhập
menu-card = 🪪 Thẻ đoàn viên của tôi
menu-founding = 🏛 Ghi nhận thành lập CĐCS
flood-slow-down = Bạn gửi tin nhắn nhanh quá. Vui lòng đợi khoảng nửa phút rồi gửi tiếp nhé.
