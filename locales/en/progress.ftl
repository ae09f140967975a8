## Progress against targets.

progress-title = <b>Member development — { $period }</b>
progress-unit =
    <b>{ $unit }</b> (rank { $rank }/{ $siblings })
    Members: admitted { $admitted }, lost { $lost }, net { $net } — { $admitted }/{ $target } ({ $percent } %), due by now at an even pace { $expected }; vs. same period last year { $change } %
    CĐCS: founded { $founded }, dissolved { $dissolved } — { $founded }/{ $unions_target } ({ $unions_percent } %)
    Target: { $source }
progress-unit-behind =
    ⚠️ <b>{ $unit }</b> (rank { $rank }/{ $siblings }) — behind pace
    Members: admitted { $admitted }, lost { $lost }, net { $net } — { $admitted }/{ $target } ({ $percent } %), due by now at an even pace { $expected }; vs. same period last year { $change } %
    CĐCS: founded { $founded }, dissolved { $dissolved } — { $founded }/{ $unions_target } ({ $unions_percent } %)
    Target: { $source }
progress-target-set = set for the unit
progress-target-children = the sum of its units' targets
progress-target-none = none set
progress-bad-period = Please give the period as 2026, 2021-2023, 2026-H1, 2026-Q3 or 2026-11. For example: /progress 2026
