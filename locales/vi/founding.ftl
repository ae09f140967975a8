## Thành lập và giải thể công đoàn cơ sở.

founding-alert = 🔔 Đã có { $count } người lao động ở <b>{ $enterprise }</b> đăng ký gia nhập Công đoàn: đến lúc lập Ban vận động thành lập CĐCS.
founding-record-button = 🏛 Ghi nhận thành lập CĐCS
founding-ask-enterprise = Doanh nghiệp nào thành lập CĐCS? Gõ tên hoặc mã số thuế.
founding-enterprise-results = Kết quả cho “{ $query }” (chỉ các doanh nghiệp chưa có CĐCS trong đơn vị của bạn):
founding-enterprise-none = Không tìm thấy doanh nghiệp chưa có CĐCS nào tên “{ $query }” trong đơn vị của bạn. Vui lòng gõ lại.
founding-enterprise-taken = Doanh nghiệp này đã có CĐCS.
founding-default-name = CĐCS { $name }
founding-ask-number = Số quyết định công nhận? (ví dụ: 125/QĐ-LĐLĐ)
founding-ask-date = Ngày ký quyết định? (ngày/tháng/năm, ví dụ 20/11/2026)
founding-ask-name = Tên CĐCS mới?
founding-summary =
    <b>Vui lòng kiểm tra lại:</b>
    🏭 Doanh nghiệp: { $enterprise }
    📄 Quyết định số: { $number }, ngày { $date }
    🏛 Tên CĐCS: { $name }
founding-edit-number = ✏️ Số QĐ
founding-edit-date = ✏️ Ngày
founding-edit-name = ✏️ Tên
founding-submit = ✅ Ghi nhận
founding-recorded =
    ✅ Đã ghi nhận thành lập <b>{ $union }</b>.
    Đoàn viên chuyển về CĐCS: { $members }. Đơn đang chờ chuyển về CĐCS: { $applications }.
    Cộng tác viên được ghi công: { $collaborator }.
    Hồ sơ công nhận ở tệp đính kèm.

dissolve-ask-unit = CĐCS nào giải thể? Gõ tên.
dissolve-unit-results = Kết quả cho “{ $query }”:
dissolve-unit-none = Không tìm thấy CĐCS nào tên “{ $query }” trong đơn vị của bạn. Vui lòng gõ lại.
dissolve-ask-date = Ngày giải thể? (ngày/tháng/năm)
dissolve-ask-reason = Lý do giải thể?
dissolve-ask-members = Đoàn viên của CĐCS này thì sao?
dissolve-members-keep = Giữ là đoàn viên của công đoàn cấp trên
dissolve-members-lost = Ghi là giảm đoàn viên
dissolve-recorded-kept = Đã ghi nhận giải thể { $union }. { $members } đoàn viên chuyển về công đoàn cấp trên.
dissolve-recorded-lost = Đã ghi nhận giải thể { $union }. { $members } đoàn viên được ghi giảm.

xlsx-members-sheet = Danh sách đoàn viên
xlsx-applications-sheet = Đơn gia nhập
xlsx-title = Hồ sơ công nhận { $union }
xlsx-decision = Quyết định số { $number } ngày { $date }
xlsx-col-number = STT
xlsx-col-member-number = Số thẻ đoàn viên
xlsx-col-name = Họ và tên
xlsx-col-admitted = Ngày kết nạp
xlsx-col-reference = Mã đơn
xlsx-col-birth-date = Ngày sinh
xlsx-col-job = Công việc
xlsx-col-submitted = Ngày gửi đơn
xlsx-col-status = Tình trạng
