## Bản tin tuần cho Ban Chỉ đạo, nhắc việc và người không nhận được tin.

digest-title = <b>📊 Bản tin tuần { $week }</b> ({ $start }–{ $end })
digest-headline = { $units } đơn vị: tuần này kết nạp { $week_admitted }; từ đầu năm { $admitted }/{ $target } ({ $percent } %), theo tiến độ cần { $expected }.
digest-headline-behind = ⚠️ { $units } đơn vị: tuần này kết nạp { $week_admitted }; từ đầu năm { $admitted }/{ $target } ({ $percent } %), theo tiến độ cần { $expected } — chậm tiến độ.
digest-headline-net = Giảm { $lost }, tăng thực { $net }. CĐCS: tuần này { $week_founded }, từ đầu năm { $founded }/{ $unions_target }.
digest-best-weakest = 🏆 Tốt nhất: { $best } ({ $best_percent } %). Thấp nhất: { $weakest } ({ $weakest_percent } %).
digest-push = 📌 Cần đôn đốc: { $waiting } đơn chờ duyệt quá 7 ngày, { $stale } đầu mối chưa cập nhật 14 ngày.
digest-unit =
    <b>{ $unit }</b>
    Tuần này +{ $week_admitted } · Từ đầu năm { $admitted }/{ $target } ({ $percent } %) · Tiến độ cần { $expected }
digest-unit-behind =
    ⚠️ <b>{ $unit }</b> — chậm tiến độ
    Tuần này +{ $week_admitted } · Từ đầu năm { $admitted }/{ $target } ({ $percent } %) · Tiến độ cần { $expected }
digest-unit-unions = Giảm { $lost }, tăng thực { $net } · CĐCS: tuần này { $week_founded }, từ đầu năm { $founded }/{ $unions_target }
digest-unit-push = 📌 Đơn chờ quá 7 ngày: { $waiting } · Đầu mối cần đôn đốc: { $stale }
digest-chart-title = % chỉ tiêu kết nạp đoàn viên — { $week }
digest-chart-pace = Tiến độ cần đạt
digest-chart-caption = Tuần { $week }: % chỉ tiêu của từng đơn vị; đường nét đứt là tiến độ cần đạt.
digest-no-units = Chưa có đơn vị nào trong phạm vi của bạn.

remind-leads = 🔔 Nhắc việc: { $count } đầu mối của bạn chưa được cập nhật 14 ngày. Vui lòng cập nhật (/leads):
remind-lead-line = • { $ref } — { $name }
remind-more = … và { $count } đầu mối khác.
remind-officer = 🔔 Nhắc việc: { $applications } đơn gia nhập chờ duyệt quá 3 ngày (/review), { $questions } câu hỏi chưa được trả lời (/questions).

unreachable-title = <b>Người đã chặn bot ({ $count })</b> — tin nhắn không đến được họ; vui lòng liên hệ cách khác:
unreachable-applicant = • Người nộp đơn { $reference }, từ { $since }
unreachable-colleague = • { $name } ({ $role }), từ { $since }
unreachable-none = Không có ai trong đơn vị của bạn đã chặn bot.

steering-ask-person = Ai sẽ theo dõi đơn vị trong bản tin tuần? Vui lòng nhập ID Telegram của họ (họ xem ở /mydata) hoặc tên người đã có vai trò.
steering-pick-person = Kết quả cho “{ $query }”, vui lòng chọn:
steering-person-none = Không tìm thấy ai với “{ $query }”. Vui lòng nhập ID Telegram (họ cần nhắn /start cho bot trước) hoặc tên khác.
steering-person-gone = Người hoặc đơn vị này không còn nữa. Vui lòng chọn lại.
steering-ask-unit = Họ sẽ theo dõi đơn vị nào? Vui lòng nhập tên đơn vị.
steering-pick-unit = Đơn vị khớp với “{ $query }”, vui lòng chọn:
steering-unit-none = Không có đơn vị nào trong phạm vi của bạn khớp với “{ $query }”. Vui lòng thử tên khác.
steering-assigned = ✅ { $person } sẽ nhận bản tin tuần về { $unit }.
steering-already = { $person } đã theo dõi { $unit } từ trước.
steering-you-follow = Bạn được phân công theo dõi { $unit } trong Ban Chỉ đạo. Bản tin tuần sẽ được gửi vào sáng thứ Hai; xem tiến độ bất cứ lúc nào với /progress.
