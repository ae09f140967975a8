## Tiến độ so với chỉ tiêu.

progress-title = <b>Tiến độ phát triển đoàn viên — { $period }</b>
progress-unit =
    <b>{ $unit }</b> (hạng { $rank }/{ $siblings })
    Đoàn viên: kết nạp { $admitted }, giảm { $lost }, tăng thực { $net } — { $admitted }/{ $target } ({ $percent } %), theo tiến độ cần { $expected }; so với cùng kỳ { $change } %
    CĐCS: thành lập { $founded }, giải thể { $dissolved } — { $founded }/{ $unions_target } ({ $unions_percent } %)
    Chỉ tiêu: { $source }
progress-unit-behind =
    ⚠️ <b>{ $unit }</b> (hạng { $rank }/{ $siblings }) — chậm tiến độ
    Đoàn viên: kết nạp { $admitted }, giảm { $lost }, tăng thực { $net } — { $admitted }/{ $target } ({ $percent } %), theo tiến độ cần { $expected }; so với cùng kỳ { $change } %
    CĐCS: thành lập { $founded }, giải thể { $dissolved } — { $founded }/{ $unions_target } ({ $unions_percent } %)
    Chỉ tiêu: { $source }
progress-target-set = giao trực tiếp
progress-target-children = tổng chỉ tiêu của các đơn vị trực thuộc
progress-target-none = chưa giao
progress-bad-period = Vui lòng ghi kỳ báo cáo như 2026, 2021-2023, 2026-H1, 2026-Q3 hoặc 2026-11. Ví dụ: /progress 2026
