## Reasons for rejecting user input (services/validation.py).
## Short, polite, and say what to do.

## Full name

invalid-name-too-short = The name is too short. Please enter your full name, for example: Nguyễn Thị Lan.
invalid-name-too-long = The name is too long (at most { $max } characters). Please enter it again.
invalid-name-chars = A name can only contain letters and spaces, no numbers or symbols. Please enter it again, for example: Nguyễn Thị Lan.

## Date of birth

invalid-date-format = The date of birth is not in the right format. Please enter it as day/month/year, for example 25/03/1998.
invalid-date-impossible = This date does not exist. Please check the day and the month, for example 25/03/1998.
invalid-date-future = The date of birth cannot be later than today. Please check the year.
invalid-date-under-age = You need to be at least { $min_age } years old to join the Trade Union.
invalid-date-too-old = The year of birth looks wrong (over { $max_age } years old). Please check it, for example 25/03/1998.

## Gender

invalid-gender = Please tap one of the buttons to choose your gender: Male, Female or Other.

## Phone number

invalid-phone-format = This phone number is not right. Please enter a 10-digit mobile number, for example 0912 345 678.
invalid-phone-too-long = The phone number is too long. Please enter just one mobile number, for example 0912 345 678.
invalid-phone-not-vietnamese = Please enter a Vietnamese mobile number (starting with 0 or +84), for example 0912 345 678.
invalid-phone-not-mobile = This is not a mobile number. Please enter a mobile phone number (not a landline), for example 0912 345 678.

## Citizen ID (CCCD)

invalid-citizen-id-chars = A CCCD number contains only digits. Please enter the 12 digits printed on your ID card.
invalid-citizen-id-length = A CCCD number has exactly 12 digits, you entered { $count ->
        [one] { $count } digit
       *[other] { $count } digits
    }. Please check your ID card.
invalid-citizen-id-province = This CCCD number is not right: the first 3 digits are not a province code. Please check your ID card.

## Tax code

invalid-tax-code-format = A tax code has 10 digits, or 13 digits for a branch, for example 0100109106 or 0100109106-001. Please enter it again.
invalid-tax-code-checksum = This tax code is not valid, a digit may have been mistyped. Please check it.

## Free text (job, position, employer name)

invalid-text-too-short = This is too short. Please enter at least { $min } characters.
invalid-text-too-long = This is too long. Please enter at most { $max } characters.
invalid-text-chars = This contains characters that are not allowed. Please use only letters, numbers and ordinary punctuation.
invalid-text-markup = This contains formatting code, which is not supported. Please enter plain text.

## Whole numbers (workers, years)

invalid-count-format = Please enter just a whole number, for example 40.
invalid-count-too-small = This number must be at least { $min }.
invalid-count-too-large = This number is too large (at most { $max }). Please check it.

## Due dates (follow-ups)

invalid-due-date-format = The date is not in the right format. Please enter it as day/month/year, for example 15/12/2026.
invalid-due-date-impossible = This date does not exist. Please check the day and the month.
invalid-due-date-past = This date has already passed. Please choose today or a later day.
invalid-due-date-too-far = This date is too far ahead. Please choose a day within the next { $days } days.

invalid-name-needs-letters = A name needs letters. Please enter the name again, for example: Tân Phong Garment Co., Ltd.
invalid-phone-prefix = This is not a Vietnamese mobile prefix. Please check the number, for example 0912 345 678.
invalid-years = Please enter the number of years in operation (0 to { $max }) or the year it was founded (for example 2019, not after { $year }).

## Reporting periods (figures recruited on paper)

invalid-period-format = Please enter a week or a month, for example 2026-W47 (week 47 of 2026) or 11/2026.
invalid-period-year = The year looks wrong: periods start in { $min }. Please check it.
invalid-period-week = { $year } has weeks 1 to { $weeks } only. Please check the week number.
invalid-period-month = A month is from 1 to 12. Please check it, for example 11/2026.
invalid-period-future = This period has not begun yet. Please enter this week, this month or an earlier one.
invalid-part-too-large = This cannot be more than the { $whole } founded. Please check it.
