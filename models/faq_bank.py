"""Everyday community questions that an FAQ may not cover: the near-miss bank for FAQ matching.

A member's "how do I change my nickname" is, to a sentence encoder, close to "How do I reset my
password?": both are account how-tos. Comparing the best FAQ variant with the best of these
questions tells a match from a neighbour. Each topic is written in en, ar, ru and fa so that no
language has a higher baseline than another. Entries that paraphrase one of a community's own FAQ
variants are left out for that community (see ``models.faq``).
"""

from __future__ import annotations

#: Topic -> the same question in en, ar, ru, fa.
NEAR_MISS_TOPICS: dict[str, tuple[str, str, str, str]] = {
    "change_username": (
        "How do I change my username?",
        "كيف أغير اسم المستخدم؟",
        "Как поменять имя пользователя?",
        "چطور نام کاربری‌ام را عوض کنم؟",
    ),
    "change_email": (
        "How do I change the email on my account?",
        "كيف أغير البريد الإلكتروني في حسابي؟",
        "Как изменить почту в аккаунте?",
        "چطور ایمیل حسابم را تغییر بدهم؟",
    ),
    "delete_account": (
        "How do I delete my account?",
        "كيف أحذف حسابي؟",
        "Как удалить аккаунт?",
        "چطور حسابم را حذف کنم؟",
    ),
    "two_factor": (
        "How do I turn on two-factor authentication?",
        "كيف أفعل المصادقة الثنائية؟",
        "Как включить двухфакторную аутентификацию?",
        "چطور تایید دومرحله‌ای را فعال کنم؟",
    ),
    "avatar": (
        "How do I change my profile picture?",
        "كيف أغير صورة الملف الشخصي؟",
        "Как сменить аватарку?",
        "چطور عکس پروفایلم را عوض کنم؟",
    ),
    "notifications": (
        "How do I turn off notifications?",
        "كيف أوقف الإشعارات؟",
        "Как отключить уведомления?",
        "چطور اعلان‌ها را خاموش کنم؟",
    ),
    "mobile_app": (
        "Is there a mobile app?",
        "هل يوجد تطبيق للجوال؟",
        "Есть ли мобильное приложение?",
        "اپلیکیشن موبایل دارید؟",
    ),
    "payment_methods": (
        "Which payment methods do you accept?",
        "ما هي طرق الدفع المتاحة؟",
        "Какие способы оплаты вы принимаете?",
        "چه روش‌های پرداختی را قبول می‌کنید؟",
    ),
    "cancel_subscription": (
        "How do I cancel my subscription?",
        "كيف ألغي اشتراكي؟",
        "Как отменить подписку?",
        "چطور اشتراکم را لغو کنم؟",
    ),
    "invoice": (
        "Where can I download my invoice?",
        "من أين أحمّل الفاتورة؟",
        "Где скачать счёт?",
        "فاکتورم را از کجا دانلود کنم؟",
    ),
    "invite_team": (
        "How do I invite my teammates?",
        "كيف أدعو أعضاء فريقي؟",
        "Как пригласить коллег в команду?",
        "چطور هم‌تیمی‌هایم را دعوت کنم؟",
    ),
    "bug_report": (
        "Where do I report a bug?",
        "أين أبلغ عن خطأ في البرنامج؟",
        "Куда сообщить об ошибке?",
        "باگ را کجا گزارش بدهم؟",
    ),
    "contact_human": (
        "How can I talk to a real person?",
        "كيف أتواصل مع موظف حقيقي؟",
        "Как связаться с живым человеком?",
        "چطور با یک آدم واقعی صحبت کنم؟",
    ),
    "data_privacy": (
        "What do you do with my data?",
        "ماذا تفعلون ببياناتي؟",
        "Что вы делаете с моими данными?",
        "با اطلاعات من چه کار می‌کنید؟",
    ),
    "export_data": (
        "Can I export my data?",
        "هل يمكنني تصدير بياناتي؟",
        "Можно ли выгрузить мои данные?",
        "می‌توانم اطلاعاتم را خروجی بگیرم؟",
    ),
    "language_setting": (
        "How do I change the language of the app?",
        "كيف أغير لغة التطبيق؟",
        "Как поменять язык приложения?",
        "چطور زبان برنامه را عوض کنم؟",
    ),
    "dark_mode": (
        "Is there a dark mode?",
        "هل يوجد وضع داكن؟",
        "Есть ли тёмная тема?",
        "حالت تاریک دارد؟",
    ),
    "server_rules": (
        "Where can I read the rules?",
        "أين أقرأ القوانين؟",
        "Где почитать правила?",
        "قوانین را کجا بخوانم؟",
    ),
    "get_role": (
        "How do I get a role?",
        "كيف أحصل على رتبة؟",
        "Как получить роль?",
        "چطور نقش بگیرم؟",
    ),
    "become_moderator": (
        "How can I become a moderator?",
        "كيف أصبح مشرفًا؟",
        "Как стать модератором?",
        "چطور ناظر گروه بشوم؟",
    ),
    "appeal_ban": (
        "How do I appeal a ban?",
        "كيف أعترض على الحظر؟",
        "Как обжаловать бан?",
        "چطور به بن شدنم اعتراض کنم؟",
    ),
    "report_user": (
        "How do I report someone?",
        "كيف أبلغ عن شخص؟",
        "Как пожаловаться на пользователя?",
        "چطور کسی را گزارش کنم؟",
    ),
    "post_links": (
        "Am I allowed to post links here?",
        "هل يسمح بنشر الروابط هنا؟",
        "Можно ли здесь кидать ссылки?",
        "اجازه داریم اینجا لینک بگذاریم؟",
    ),
    "next_event": (
        "When is the next event?",
        "متى الفعالية القادمة؟",
        "Когда следующее мероприятие?",
        "رویداد بعدی کی است؟",
    ),
    "partnership": (
        "Who do I contact about a partnership?",
        "مع من أتواصل بخصوص شراكة؟",
        "К кому обратиться насчёт сотрудничества?",
        "برای همکاری با چه کسی تماس بگیرم؟",
    ),
    "jobs": (
        "Are you hiring?",
        "هل لديكم وظائف شاغرة؟",
        "Вы нанимаете сотрудников?",
        "استخدام دارید؟",
    ),
    "shipping": (
        "How long does shipping take?",
        "كم يستغرق الشحن؟",
        "Сколько идёт доставка?",
        "ارسال چقدر طول می‌کشد؟",
    ),
    "discount": (
        "Is there a discount code?",
        "هل يوجد كود خصم؟",
        "Есть промокод на скидку?",
        "کد تخفیف دارید؟",
    ),
    "roadmap": (
        "When is the next update coming out?",
        "متى يصدر التحديث القادم؟",
        "Когда выйдет следующее обновление?",
        "آپدیت بعدی کی می‌آید؟",
    ),
    "system_requirements": (
        "What are the system requirements?",
        "ما هي متطلبات التشغيل؟",
        "Какие системные требования?",
        "حداقل سیستم مورد نیاز چیست؟",
    ),
    "install_problem": (
        "The installation fails, what should I do?",
        "التثبيت يفشل، ماذا أفعل؟",
        "Установка не проходит, что делать?",
        "نصب انجام نمی‌شود، چه کار کنم؟",
    ),
    "login_problem": (
        "The login page doesn't load, what should I do?",
        "صفحة تسجيل الدخول لا تفتح، ماذا أفعل؟",
        "Страница входа не открывается, что делать?",
        "صفحه ورود باز نمی‌شود، چه کار کنم؟",
    ),
}


def bank_texts() -> list[str]:
    """Every question of the bank, all languages, in a stable order."""
    return [text for variants in NEAR_MISS_TOPICS.values() for text in variants]
